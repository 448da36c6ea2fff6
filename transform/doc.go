// Package transform injects sidecars into the Pod specs of Kubernetes
// resources held as kyaml nodes. It is pure: nodes in, the same nodes
// changed in place, results out; no I/O, no flags, no printing. It never
// imports the fn package, which decodes configs into Injections and turns
// Results into KRM results.
//
// Every edit is made on the node tree, so comments and field order stay.
// What each injection added to a pod is recorded in the
// inject-sidecars.dev/status annotation, which makes runs idempotent and
// lets a later run upgrade or uninject exactly that.
package transform
