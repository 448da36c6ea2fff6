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
package transform
