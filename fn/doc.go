// Package fn is the KRM function: it reads the ResourceList, loads its
// functionConfig with transform.Load (the one way both modes load a
// config), runs the injection, and reports results. It returns results
// and errors; exit codes are the command's business.
package fn
