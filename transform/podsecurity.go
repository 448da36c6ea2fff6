package transform

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// evaluator runs the Pod Security checks the API server's admission
// runs (k8s.io/pod-security-admission), built once.
var evaluator = sync.OnceValues(func() (policy.Evaluator, error) {
	return policy.NewEvaluator(policy.DefaultChecks(), nil)
})

// podSecurityMode is what failing a level means, named as the
// Namespace's pod-security.kubernetes.io labels name it: enforce stops
// the injection, warn and audit warn.
type podSecurityMode string

const (
	psEnforce podSecurityMode = "enforce"
	psWarn    podSecurityMode = "warn"
	psAudit   podSecurityMode = "audit"
)

// podSecurityLevel is one level a pod is held to, and what failing it
// means.
type podSecurityLevel struct {
	lv   psapi.LevelVersion
	mode podSecurityMode
	from string // where the level comes from, for messages
}

// podSecurityLevels are the levels this pod is held to: spec.podSecurity
// (at spec.kubernetesVersion, or the latest checks), or else its
// Namespace's enforce label in the input; and the Namespace's warn and
// audit labels.
func (c *change) podSecurityLevels() ([]podSecurityLevel, error) {
	var out []podSecurityLevel
	privileged := psapi.LevelVersion{Level: psapi.LevelPrivileged, Version: psapi.LatestVersion()}
	var nsPolicy psapi.Policy
	nsName := ""
	if c.w.ns != nil && len(c.w.ns.labels) > 0 {
		var errs []error
		p, ferrs := psapi.PolicyToEvaluate(c.w.ns.labels, psapi.Policy{Enforce: privileged, Audit: privileged, Warn: privileged})
		for _, fe := range ferrs {
			errs = append(errs, fe)
		}
		if len(errs) > 0 {
			return nil, fmt.Errorf("the Namespace %q has Pod Security labels that do not parse: %v", c.w.ref.Namespace, errs[0])
		}
		nsPolicy, nsName = p, c.w.ref.Namespace
	}
	if lvl := c.inj.Spec.PodSecurity; lvl != "" {
		v := psapi.LatestVersion()
		if kv, _ := c.inj.Spec.KubeVersion(); kv != nil {
			v = psapi.MajorMinorVersion(int(kv.Major()), int(kv.Minor()))
		}
		out = append(out, podSecurityLevel{psapi.LevelVersion{Level: psapi.Level(lvl), Version: v}, psEnforce, "spec.podSecurity"})
	} else if nsName != "" && nsPolicy.Enforce.Level != psapi.LevelPrivileged {
		out = append(out, podSecurityLevel{nsPolicy.Enforce, psEnforce, fmt.Sprintf("Namespace %q", nsName)})
	}
	if nsName != "" {
		for _, p := range []struct {
			lv   psapi.LevelVersion
			mode podSecurityMode
		}{{nsPolicy.Warn, psWarn}, {nsPolicy.Audit, psAudit}} {
			if p.lv.Level != psapi.LevelPrivileged {
				out = append(out, podSecurityLevel{p.lv, p.mode, fmt.Sprintf("Namespace %q", nsName)})
			}
		}
	}
	return out, nil
}

// podSecurityProblem is a level the pod met before this change and fails
// after it.
type podSecurityProblem struct {
	level   podSecurityLevel
	already bool // the pod failed the level before the change too
	msg     string
}

// checkPodSecurity evaluates the pod before and after this change at
// every level it is held to.
func (c *change) podSecurity() ([]podSecurityProblem, error) {
	levels, err := c.podSecurityLevels()
	if err != nil || len(levels) == 0 {
		return nil, err
	}
	ev, err := evaluator()
	if err != nil {
		return nil, err
	}
	meta, before, after, err := c.podSpecs()
	if err != nil {
		return nil, fmt.Errorf("cannot evaluate Pod Security: %v", err)
	}
	added := c.newNames()
	var out []podSecurityProblem
	for _, l := range levels {
		if l.mode != psEnforce && len(out) > 0 && out[0].level.mode == psEnforce && psapi.CompareLevels(out[0].level.lv.Level, l.lv.Level) >= 0 {
			continue // said already, as the enforce level
		}
		b := policy.AggregateCheckResults(ev.EvaluatePod(l.lv, meta, before))
		a := policy.AggregateCheckResults(ev.EvaluatePod(l.lv, meta, after))
		if a.Allowed {
			continue
		}
		var checks []string
		var failed []psFailure
		for i, reason := range a.ForbiddenReasons {
			detail := a.ForbiddenDetails[i]
			if !b.Allowed && slices.Contains(b.ForbiddenReasons, reason) && slices.Contains(b.ForbiddenDetails, detail) {
				continue // the same failure, before the sidecars came
			}
			checks = append(checks, fmt.Sprintf("%s (%s)", reason, detail))
			failed = append(failed, psFailure{reason, detail})
		}
		if len(checks) == 0 {
			continue
		}
		sidecars := blamed(ev, l.lv, meta, after, added, failed)
		who := "the injected containers"
		if len(sidecars) > 0 {
			who = "sidecar " + strings.Join(quoteAll(sidecars), ", ")
		}
		out = append(out, podSecurityProblem{level: l, already: !b.Allowed,
			msg: fmt.Sprintf("%s would make the pod fail Pod Security %q (%s, %s): %s", who, l.lv.String(), l.mode, l.from, strings.Join(checks, "; "))})
	}
	return out, nil
}

// psFailure is one failed Pod Security check and its detail.
type psFailure struct{ reason, detail string }

// blamed names the added containers behind the failures: those without
// which the pod no longer fails one of them as it does (the check
// passes, or its detail no longer lists the container). No text is
// searched: a volume or a pod-level field the injection added blames
// no container, as removing one changes nothing.
func blamed(ev policy.Evaluator, lv psapi.LevelVersion, meta *metav1.ObjectMeta, after *corev1.PodSpec, added map[string]bool, failed []psFailure) []string {
	var out []string
	for name := range added {
		without := *after
		named := func(x corev1.Container) bool { return x.Name == name }
		without.Containers = slices.DeleteFunc(slices.Clone(after.Containers), named)
		without.InitContainers = slices.DeleteFunc(slices.Clone(after.InitContainers), named)
		r := policy.AggregateCheckResults(ev.EvaluatePod(lv, meta, &without))
		for _, f := range failed {
			if !slices.Contains(r.ForbiddenReasons, f.reason) || !slices.Contains(r.ForbiddenDetails, f.detail) {
				out = append(out, name)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("%q", n)
	}
	return out
}

// podSpecs decodes the pod as it is without this injection (before) and
// with today's rendering (after), as Pod Security sees them: the
// containers, init containers and volumes are what its checks read.
func (c *change) podSpecs() (*metav1.ObjectMeta, *corev1.PodSpec, *corev1.PodSpec, error) {
	meta := &metav1.ObjectMeta{}
	if m := yamlnode.Field(c.p.holder, "metadata"); m != nil {
		if err := decodeNode(m, meta); err != nil {
			return nil, nil, nil, err
		}
	}
	before := &corev1.PodSpec{}
	if err := decodeNode(c.p.spec, before); err != nil {
		return nil, nil, nil, err
	}
	if c.old != nil { // what the earlier run added goes before the new comes
		keep := func(name string, ids []string) bool { return !slices.Contains(ids, name) }
		before.Containers = slices.DeleteFunc(before.Containers, func(x corev1.Container) bool { return !keep(x.Name, c.old.Containers) })
		before.InitContainers = slices.DeleteFunc(before.InitContainers, func(x corev1.Container) bool { return !keep(x.Name, c.old.InitContainers) })
		before.Volumes = slices.DeleteFunc(before.Volumes, func(x corev1.Volume) bool { return !keep(x.Name, c.old.Volumes) })
	}
	after := before.DeepCopy()
	added := c.newNames()
	after.Containers = slices.DeleteFunc(after.Containers, func(x corev1.Container) bool { return added[x.Name] })
	after.InitContainers = slices.DeleteFunc(after.InitContainers, func(x corev1.Container) bool { return added[x.Name] })
	decodeAll := func(nodes []*yaml.Node) ([]corev1.Container, error) {
		out := make([]corev1.Container, len(nodes))
		for i, n := range nodes {
			if err := decodeNode(n, &out[i]); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	sidecars, err := decodeAll(c.sidecars)
	if err != nil {
		return nil, nil, nil, err
	}
	inits, err := decodeAll(c.inits)
	if err != nil {
		return nil, nil, nil, err
	}
	if c.targetList() == "initContainers" {
		after.InitContainers = append(append(sidecars, inits...), after.InitContainers...)
	} else {
		after.Containers = append(after.Containers, sidecars...)
		after.InitContainers = append(inits, after.InitContainers...)
	}
	for _, n := range c.volumes {
		var v corev1.Volume
		if err := decodeNode(n, &v); err != nil {
			return nil, nil, nil, err
		}
		if !slices.ContainsFunc(after.Volumes, func(x corev1.Volume) bool { return x.Name == v.Name }) {
			after.Volumes = append(after.Volumes, v)
		}
	}
	return meta, before, after, nil
}

// decodeNode decodes YAML into a Kubernetes type through JSON, as the
// API server reads it; unknown fields are ignored here (the checks do not
// read them).
func decodeNode(n *yaml.Node, v any) error {
	var x any
	if err := n.Decode(&x); err != nil {
		return err
	}
	b, err := json.Marshal(x)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
