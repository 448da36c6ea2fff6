// Package transform injects sidecars into the Pod specs of Kubernetes
// resources held as kyaml nodes. It is pure: nodes in, the same nodes
// changed in place, results out; no I/O, no flags, no printing. Load
// reads a config into an Injection, the one way both modes do (plain
// mode passes the flags' overrides in v1alpha1.Options). It never
// imports the fn package, which turns Results into KRM results.
//
// Every edit is made on the node tree, so comments and field order stay.
// What each injection added to a pod is recorded in the
// inject-sidecars.dev/status annotation, which makes runs idempotent and
// lets a later run upgrade or uninject exactly that.
//
// A run is three things with one job each. An Injector is its config:
// the injections, and the Namespace objects of the input, found before
// the first document is visited; read-only once made, one Injector
// serves every worker. Each document is visited on its own (an
// unexported visitor holds the state of that one visit), and what it
// gave comes back as a Report. Reports are merged with Add, in the
// input's order. Filter puts the three together as a kio.Filter.
package transform
