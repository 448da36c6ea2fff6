package v1alpha1

import (
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// handler is what a probe or a lifecycle hook runs: exactly one action.
type handler struct {
	exec      *corev1.ExecAction
	httpGet   *corev1.HTTPGetAction
	tcpSocket *corev1.TCPSocketAction
	grpc      *corev1.GRPCAction
	sleep     *corev1.SleepAction
	kinds     []string // the actions this kind of handler takes
}

func probeHandler(p *corev1.ProbeHandler) *handler {
	return &handler{exec: p.Exec, httpGet: p.HTTPGet, tcpSocket: p.TCPSocket, grpc: p.GRPC,
		kinds: []string{"exec", "httpGet", "tcpSocket", "grpc"}}
}

func lifecycleHandler(l *corev1.LifecycleHandler) *handler {
	if l == nil {
		return nil
	}
	return &handler{exec: l.Exec, httpGet: l.HTTPGet, tcpSocket: l.TCPSocket, sleep: l.Sleep,
		kinds: []string{"exec", "httpGet", "tcpSocket", "sleep"}}
}

// validateHandler: one action, and that action valid. A sleep longer
// than the pod's grace period is checked by the server (the pod's
// terminationGracePeriodSeconds is the workload's).
func validateHandler(h *handler, at *field.Path) field.ErrorList {
	if h == nil {
		return nil
	}
	var errs field.ErrorList
	checks := map[string]func() field.ErrorList{}
	if h.exec != nil {
		checks["exec"] = func() field.ErrorList {
			if len(h.exec.Command) == 0 {
				return field.ErrorList{required(at.Child("exec", "command"), "the command to run")}
			}
			return nil
		}
	}
	if h.httpGet != nil {
		checks["httpGet"] = func() field.ErrorList { return validateHTTPGet(h.httpGet, at.Child("httpGet")) }
	}
	if h.tcpSocket != nil {
		checks["tcpSocket"] = func() field.ErrorList { return validatePortNumOrName(h.tcpSocket.Port, at.Child("tcpSocket", "port")) }
	}
	if h.grpc != nil {
		checks["grpc"] = func() field.ErrorList {
			return validatePortNumOrName(intstr.FromInt32(h.grpc.Port), at.Child("grpc", "port"))
		}
	}
	if h.sleep != nil {
		checks["sleep"] = func() field.ErrorList {
			if h.sleep.Seconds < 0 {
				return field.ErrorList{invalidValue(at.Child("sleep", "seconds"), h.sleep.Seconds, "%d is negative: sleep 0 seconds or more", h.sleep.Seconds)}
			}
			return nil
		}
	}
	names := slices.Sorted(maps.Keys(checks))
	switch {
	case len(names) == 0:
		errs = append(errs, required(at, "a handler: one of %s", orList(h.kinds)))
	case len(names) > 1:
		errs = append(errs, forbidden(at, "names %s: Kubernetes allows exactly one handler", strings.Join(names, " and ")))
	default:
		errs = append(errs, checks[names[0]]()...)
	}
	return errs
}

func validateHTTPGet(g *corev1.HTTPGetAction, at *field.Path) field.ErrorList {
	errs := validatePortNumOrName(g.Port, at.Child("port"))
	errs = append(errs, oneOfEnum(at.Child("scheme"), g.Scheme, uriSchemes...)...)
	for i, h := range g.HTTPHeaders {
		errs = append(errs, messages(at.Child("httpHeaders").Index(i).Child("name"), h.Name, "HTTP header name", validation.IsHTTPHeaderName(h.Name))...)
	}
	return errs
}

// validateProbe: a handler, no negative numbers (0 is defaulted), a
// successThreshold of 1 for liveness and startup probes (the only value
// they take), no terminationGracePeriodSeconds on a readiness probe and
// a positive one elsewhere.
func validateProbe(p *corev1.Probe, at *field.Path, mustSucceedOnce bool) field.ErrorList {
	if p == nil {
		return nil
	}
	errs := validateHandler(probeHandler(&p.ProbeHandler), at)
	for _, n := range []struct {
		name string
		v    int32
	}{{"initialDelaySeconds", p.InitialDelaySeconds}, {"timeoutSeconds", p.TimeoutSeconds}, {"periodSeconds", p.PeriodSeconds},
		{"successThreshold", p.SuccessThreshold}, {"failureThreshold", p.FailureThreshold}} {
		if n.v < 0 {
			errs = append(errs, invalidValue(at.Child(n.name), n.v, "%d is negative: want 0 (the default) or more", n.v))
		}
	}
	if mustSucceedOnce && p.SuccessThreshold > 1 {
		errs = append(errs, invalidValue(at.Child("successThreshold"), p.SuccessThreshold, "%d is not allowed: this probe's successThreshold must be 1", p.SuccessThreshold))
	}
	if g := p.TerminationGracePeriodSeconds; g != nil {
		switch {
		case !mustSucceedOnce:
			errs = append(errs, forbidden(at.Child("terminationGracePeriodSeconds"), "may not be set on a readinessProbe"))
		case *g <= 0:
			errs = append(errs, invalidValue(at.Child("terminationGracePeriodSeconds"), *g, "%d is not allowed: want 1 or more", *g))
		}
	}
	return errs
}
