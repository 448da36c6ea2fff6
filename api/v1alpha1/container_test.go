package v1alpha1_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
)

// sidecar is a valid sidecar; each row of TestContainerRules adds one
// field to it (or to the spec) and names every error the config gets.
const sidecar = "containers:\n- name: agent\n  image: 'example/agent:1.0'\n"

// TestContainerRules checks each of the API server's rules the config
// is held to, with the exact message and the error's type. A row's
// errors are all of the config's errors: nothing hidden, nothing extra.
func TestContainerRules(t *testing.T) {
	t.Parallel()
	inv, ns, req, forb, dup := field.ErrorTypeInvalid, field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeForbidden, field.ErrorTypeDuplicate
	c0 := "spec.containers[0]."
	tests := []struct {
		name, spec string
		want       []string // path: message
		types      []field.ErrorType
	}{
		// Every problem of an entry at once: an unknown field does not
		// hide a missing one.
		{"imagee hides no image", "containers:\n- name: agent\n  imagee: x", []string{
			c0 + "imagee: unknown field: did you mean image?",
			c0 + "image: required: the sidecar's image, such as example/agent:1.0"}, []field.ErrorType{inv, req}},
		// A field of the wrong type is reported once: its zero value
		// (port 0) gives no follow-on error; the entry's other problems
		// are still reported.
		{"wrong type, no follow-on", "containers:\n- name: agent\n  ports: [{containerPort: http}]", []string{
			"spec.containers[0].ports[0].containerPort: expected a whole number, got string",
			"spec.containers[0].image: required: the sidecar's image, such as example/agent:1.0"}, []field.ErrorType{inv, req}},
		{"a whole entry of the wrong type", "containers:\n- oops", []string{
			"spec.containers[0]: expected an object, got string"}, []field.ErrorType{inv}},
		{"indexes kept after a bad entry", "containers:\n- {name: a, image: 'a:1', imagee: x}\n- {name: b}", []string{
			"spec.containers[0].imagee: unknown field: did you mean image?",
			"spec.containers[1].image: required: the sidecar's image, such as example/agent:1.0"}, []field.ErrorType{inv, req}},

		{"image with spaces", "containers:\n- {name: agent, image: ' example/agent:1.0'}", []string{c0 + `image: " example/agent:1.0" must not have spaces around it`}, []field.ErrorType{inv}},
		{"imagePullPolicy", "  imagePullPolicy: Sometimes", []string{c0 + `imagePullPolicy: "Sometimes" is not supported: want Always, IfNotPresent or Never`}, []field.ErrorType{ns}},
		{"init imagePullPolicy", "initContainers:\n- {name: setup, image: 'b:1', imagePullPolicy: Whenever}", []string{`spec.initContainers[0].imagePullPolicy: "Whenever" is not supported: want Always, IfNotPresent or Never`}, []field.ErrorType{ns}},
		{"terminationMessagePolicy", "  terminationMessagePolicy: Sometimes", []string{c0 + `terminationMessagePolicy: "Sometimes" is not supported: want File or FallbackToLogsOnError`}, []field.ErrorType{ns}},
		{"protocol TCPX", "  ports: [{containerPort: 80, protocol: TCPX}]", []string{c0 + `ports[0].protocol: "TCPX" is not supported: want TCP, UDP or SCTP`}, []field.ErrorType{ns}},
		{"protocol tcp", "  ports: [{containerPort: 80, protocol: tcp}]", []string{c0 + `ports[0].protocol: "tcp" is not supported: want TCP, UDP or SCTP`}, []field.ErrorType{ns}},
		{"port name twice", "  ports: [{name: http, containerPort: 80}, {name: http, containerPort: 81}]", []string{c0 + `ports[1].name: port name "http" is used twice in this container`}, []field.ErrorType{dup}},
		{"host port twice", "  ports: [{containerPort: 80, hostPort: 80}, {containerPort: 81, hostPort: 80}]", []string{c0 + "ports[1].hostPort: host port 80/TCP is used twice in this container"}, []field.ErrorType{dup}},
		{"port name not IANA", "  ports: [{name: Web_UI, containerPort: 80}]", []string{c0 + `ports[0].name: "Web_UI" is not a valid port name: must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)`}, []field.ErrorType{inv}},

		{"env A=B", "  env: [{name: A=B, value: x}]", []string{c0 + `env[0].name: "A=B" is not a valid environment variable name: a valid environment variable name must consist only of printable ASCII characters other than '='`}, []field.ErrorType{inv}},
		{"env A=B in the app env", "env: [{name: A=B, value: x}]", []string{`spec.env[0].name: "A=B" is not a valid environment variable name: a valid environment variable name must consist only of printable ASCII characters other than '='`}, []field.ErrorType{inv}},
		{"env name empty", "  env: [{name: '', value: x}]", []string{c0 + "env[0].name: required"}, []field.ErrorType{req}},
		{"env name starting with a digit, before 1.32", "kubernetesVersion: '1.31'\nenv: [{name: '1A', value: x}]", []string{`spec.env[0].name: "1A" is not a valid environment variable name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`}, []field.ErrorType{inv}},
		{"two valueFrom sources", "  env: [{name: A, valueFrom: {fieldRef: {fieldPath: metadata.name}, secretKeyRef: {name: s, key: k}}}]", []string{c0 + "env[0].valueFrom: names fieldRef and secretKeyRef: an env var takes its value from one source"}, []field.ErrorType{inv}},
		{"value and valueFrom", "  env: [{name: A, value: x, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]", []string{c0 + "env[0].valueFrom: may not be set together with value: give one or the other"}, []field.ErrorType{inv}},
		{"valueFrom empty", "  env: [{name: A, valueFrom: {}}]", []string{c0 + "env[0].valueFrom: must name a source: one of fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef or fileKeyRef"}, []field.ErrorType{inv}},
		{"fieldRef unknown", "  env: [{name: A, valueFrom: {fieldRef: {fieldPath: spec.bogus}}}]", []string{c0 + `env[0].valueFrom.fieldRef.fieldPath: "spec.bogus" is not supported: want metadata.name, metadata.namespace, metadata.uid, spec.nodeName, spec.serviceAccountName, status.hostIP, status.hostIPs, status.podIP or status.podIPs`}, []field.ErrorType{ns}},
		{"resourceFieldRef divisor", "  env: [{name: A, valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: '3'}}}]", []string{c0 + "env[0].valueFrom.resourceFieldRef.divisor: 3 is not a divisor of limits.cpu: want 1m or 1"}, []field.ErrorType{inv}},
		{"secretKeyRef without key", "  env: [{name: A, valueFrom: {secretKeyRef: {name: s}}}]", []string{c0 + "env[0].valueFrom.secretKeyRef.key: required"}, []field.ErrorType{req}},
		{"fileKeyRef path ..", "  env: [{name: A, valueFrom: {fileKeyRef: {volumeName: v, path: ../x, key: K}}}]", []string{c0 + `env[0].valueFrom.fileKeyRef.path: "../x" must not contain '..'`}, []field.ErrorType{inv}},
		{"fileKeyRef to a configMap volume", "env: [{name: A, valueFrom: {fileKeyRef: {volumeName: v, path: env, key: K}}}]\nvolumes: [{name: v, configMap: {name: c}}]", []string{`spec.env[0].valueFrom.fileKeyRef.volumeName: volume "v" is not an emptyDir: an env var is read from a file of an emptyDir volume`}, []field.ErrorType{inv}},
		{"envFrom two sources", "  envFrom: [{configMapRef: {name: a}, secretRef: {name: b}}]", []string{c0 + "envFrom[0]: names configMapRef and secretRef: give one per entry"}, []field.ErrorType{inv}},

		{"resource cpus", "  resources: {limits: {cpus: '1'}}", []string{c0 + `resources.limits[cpus]: "cpus" is not a resource a container can ask for: want cpu, memory, ephemeral-storage, hugepages-<size>, or an extended resource with a domain (example.com/gpu)`}, []field.ErrorType{inv}},
		{"negative quantity", "  resources: {requests: {cpu: '-1'}}", []string{c0 + "resources.requests[cpu]: -1 is negative: a resource quantity must be 0 or more"}, []field.ErrorType{inv}},
		{"extended resource without a limit", "  resources: {requests: {example.com/gpu: '1'}}", []string{c0 + "resources.limits[example.com/gpu]: required: example.com/gpu cannot be overcommitted: set its limit equal to the request"}, []field.ErrorType{req}},
		{"extended resource not whole", "  resources: {limits: {example.com/gpu: 500m}}", []string{c0 + "resources.limits[example.com/gpu]: 500m is not a whole number: extended resources are counted in units"}, []field.ErrorType{inv}},
		{"hugepages alone", "  resources: {limits: {hugepages-2Mi: 2Mi}}", []string{c0 + "resources: hugepages need a cpu or memory request or limit beside them"}, []field.ErrorType{forb}},
		{"claims", "  resources: {claims: [{name: gpu}]}", []string{c0 + "resources.claims[0]: resource claims name the pod's spec.resourceClaims, which an injection does not declare: drop the claim"}, []field.ErrorType{forb}},

		{"mountPath empty", "  volumeMounts: [{name: v, mountPath: ''}]\nvolumes: [{name: v}]", []string{c0 + "volumeMounts[0].mountPath: required: where to mount the volume, such as /var/log/app"}, []field.ErrorType{req}},
		{"subPath ..", "  volumeMounts: [{name: v, mountPath: /v, subPath: ../escape}]\nvolumes: [{name: v}]", []string{c0 + `volumeMounts[0].subPath: "../escape" must not contain '..'`}, []field.ErrorType{inv}},
		{"subPath absolute", "  volumeMounts: [{name: v, mountPath: /v, subPath: /abs}]\nvolumes: [{name: v}]", []string{c0 + `volumeMounts[0].subPath: "/abs" must be a relative path, inside the volume`}, []field.ErrorType{inv}},
		{"mountPropagation", "volumeMounts: [{name: v, mountPath: /v, mountPropagation: Sideways}]", []string{`spec.volumeMounts[0].mountPropagation: "Sideways" is not supported: want Bidirectional, HostToContainer or None`}, []field.ErrorType{ns}},
		{"Bidirectional, not privileged", "  volumeMounts: [{name: v, mountPath: /v, mountPropagation: Bidirectional}]\nvolumes: [{name: v}]", []string{c0 + "volumeMounts[0].mountPropagation: Bidirectional propagation is only for privileged containers: set securityContext.privileged: true, or use HostToContainer"}, []field.ErrorType{forb}},
		{"device path that is a mount path", "  volumeMounts: [{name: v, mountPath: /v}]\n  volumeDevices: [{name: d, devicePath: /v}]\nvolumes: [{name: v}, {name: d, persistentVolumeClaim: {claimName: c}}]", []string{c0 + "volumeMounts[0].mountPath: /v is also a device path of this container (volumeDevices)"}, []field.ErrorType{inv}},
		{"block device on an emptyDir", "  volumeDevices: [{name: v, devicePath: /dev/x}]\nvolumes: [{name: v, emptyDir: {}}]", []string{c0 + `volumeDevices[0].name: volume "v" is not a claim: a block device needs a persistentVolumeClaim or ephemeral volume`}, []field.ErrorType{inv}},

		{"periodSeconds -1", "  livenessProbe: {exec: {command: ['true']}, periodSeconds: -1}", []string{c0 + "livenessProbe.periodSeconds: -1 is negative: want 0 (the default) or more"}, []field.ErrorType{inv}},
		{"liveness successThreshold 2", "  livenessProbe: {exec: {command: ['true']}, successThreshold: 2}", []string{c0 + "livenessProbe.successThreshold: 2 is not allowed: this probe's successThreshold must be 1"}, []field.ErrorType{inv}},
		{"readiness grace period", "  readinessProbe: {exec: {command: ['true']}, terminationGracePeriodSeconds: 5}\n  startupProbe: {exec: {command: ['true']}}", []string{c0 + "readinessProbe.terminationGracePeriodSeconds: may not be set on a readinessProbe"}, []field.ErrorType{forb}},
		{"exec without command", "  livenessProbe: {exec: {}}", []string{c0 + "livenessProbe.exec.command: required: the command to run"}, []field.ErrorType{req}},
		{"httpGet scheme", "  livenessProbe: {httpGet: {port: 80, scheme: FTP}}", []string{c0 + `livenessProbe.httpGet.scheme: "FTP" is not supported: want HTTP or HTTPS`}, []field.ErrorType{ns}},
		{"tcpSocket port", "  livenessProbe: {tcpSocket: {port: 70000}}", []string{c0 + "livenessProbe.tcpSocket.port: 70000 is not a port: want 1-65535 or a port name"}, []field.ErrorType{inv}},
		{"sleep negative", "  lifecycle: {preStop: {sleep: {seconds: -1}}}", []string{c0 + "lifecycle.preStop.sleep.seconds: -1 is negative: sleep 0 seconds or more"}, []field.ErrorType{inv}},

		{"runAsUser", "  securityContext: {runAsUser: -1}", []string{c0 + "securityContext.runAsUser: -1 is not a user ID: must be between 0 and 2147483647, inclusive"}, []field.ErrorType{inv}},
		{"seccomp Localhost", "  securityContext: {seccompProfile: {type: Localhost}}", []string{c0 + "securityContext.seccompProfile.localhostProfile: required: the profile, with type Localhost"}, []field.ErrorType{req}},
		{"appArmor with a profile", "  securityContext: {appArmorProfile: {type: RuntimeDefault, localhostProfile: p}}", []string{c0 + "securityContext.appArmorProfile.localhostProfile: may only be set with type Localhost"}, []field.ErrorType{forb}},
		{"no escalation and CAP_SYS_ADMIN", "  securityContext: {allowPrivilegeEscalation: false, capabilities: {add: [CAP_SYS_ADMIN]}}", []string{c0 + "securityContext.capabilities.add[0]: CAP_SYS_ADMIN contradicts allowPrivilegeEscalation: false: drop one"}, []field.ErrorType{inv}},
		{"windows user with two backslashes", "  securityContext: {windowsOptions: {runAsUserName: 'a\\b\\c'}}", []string{c0 + `securityContext.windowsOptions.runAsUserName: "a\\b\\c" is not a Windows user name: it has more than one backslash`}, []field.ErrorType{inv}},
		{"resizePolicy resource", "  resizePolicy: [{resourceName: gpu, restartPolicy: NotRequired}]", []string{c0 + `resizePolicy[0].resourceName: "gpu" is not supported: want cpu or memory`}, []field.ErrorType{ns}},

		{"resizePolicy RestartContainer, run to completion", "initContainers:\n- {name: setup, image: 'b:1', resizePolicy: [{resourceName: cpu, restartPolicy: RestartContainer}]}", []string{"spec.initContainers[0].resizePolicy[0].restartPolicy: RestartContainer is only for containers that keep running: a run-to-completion init container takes NotRequired"}, []field.ErrorType{inv}},
		{"init restartPolicy OnFailure before 1.35", "kubernetesVersion: '1.34'\ninitContainers:\n- {name: setup, image: 'b:1', restartPolicy: OnFailure}", []string{`spec.initContainers[0].restartPolicy: "OnFailure" is not supported: want Always`}, []field.ErrorType{ns}},
		{"restartPolicyRules without restartPolicy", "initContainers:\n- {name: setup, image: 'b:1', restartPolicyRules: [{action: Restart, exitCodes: {operator: In, values: [42]}}]}", []string{"spec.initContainers[0].restartPolicy: required: restartPolicyRules need a restartPolicy beside them"}, []field.ErrorType{req}},
		{"restart rule without exit codes", "initContainers:\n- {name: setup, image: 'b:1', restartPolicy: Never, restartPolicyRules: [{action: Restart}]}", []string{"spec.initContainers[0].restartPolicyRules[0].exitCodes: required: the exit codes the rule is for"}, []field.ErrorType{req}},
		{"restart rule action", "initContainers:\n- {name: setup, image: 'b:1', restartPolicy: Never, restartPolicyRules: [{action: Retry, exitCodes: {operator: In, values: [1]}}]}", []string{`spec.initContainers[0].restartPolicyRules[0].action: "Retry" is not supported: want Restart or RestartAllContainers`}, []field.ErrorType{ns}},
		{"sidecar restart rules before 1.36", "kubernetesVersion: '1.35'\ninitContainers:\n- {name: setup, image: 'b:1', restartPolicy: Always, restartPolicyRules: [{action: Restart, exitCodes: {operator: In, values: [1]}}]}", []string{"spec.initContainers[0].restartPolicyRules: a sidecar takes restartPolicyRules from Kubernetes 1.36"}, []field.ErrorType{forb}},
		{"native sidecar restartPolicy OnFailure", "  restartPolicy: OnFailure", []string{c0 + `restartPolicy: "OnFailure" is not supported: want Always: a native sidecar is an init container that keeps running; for one that runs to completion, use initContainers`}, []field.ErrorType{ns}},

		{"volume with two sources", "volumes: [{name: v, emptyDir: {}, hostPath: {path: /var/log}}]", []string{`spec.volumes[0].emptyDir: volume "v" already has a hostPath source: a volume takes exactly one`}, []field.ErrorType{forb}},
		{"hostPath type", "volumes: [{name: v, hostPath: {path: /x, type: Bogus}}]", []string{`spec.volumes[0].hostPath.type: "Bogus" is not supported: want DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice or BlockDevice`}, []field.ErrorType{ns}},
		{"configMap mode", "volumes: [{name: v, configMap: {name: c, defaultMode: 512}}]", []string{"spec.volumes[0].configMap.defaultMode: 512 is not a file mode: want 0 to 0777 (511)"}, []field.ErrorType{inv}},
		{"secret without name", "volumes: [{name: v, secret: {}}]", []string{"spec.volumes[0].secret.secretName: required: the Secret to mount"}, []field.ErrorType{req}},
		{"projected token too short", "volumes: [{name: v, projected: {sources: [{serviceAccountToken: {path: t, expirationSeconds: 60}}]}}]", []string{"spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds: 60 is out of range: want 600 (10 minutes) to 4294967296 seconds"}, []field.ErrorType{inv}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec := tt.spec
			if spec[0] == ' ' {
				spec = sidecar + spec // a field of the sidecar
			}
			_, err := decode(t, header+"spec:\n"+indent(spec))
			var ce *v1alpha1.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a config error", err)
			}
			var got []string
			var types []field.ErrorType
			for _, fe := range ce.Errors {
				got = append(got, fe.Field+": "+fe.Detail)
				types = append(types, fe.Type)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.types, types); d != "" {
				t.Errorf("error types (-want +got):\n%s", d)
			}
		})
	}
}

// TestContainerRulesAccept: the edge values the API server takes are
// taken.
func TestContainerRulesAccept(t *testing.T) {
	t.Parallel()
	for name, spec := range map[string]string{
		"periodSeconds 0 (defaulted)":   "  livenessProbe: {exec: {command: ['true']}, periodSeconds: 0}",
		"env name starting with digit":  "env: [{name: '1A', value: x}]",
		"a label through fieldRef":      "  env: [{name: A, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['app']\"}}}]",
		"protocol SCTP":                 "  ports: [{containerPort: 80, protocol: SCTP}]",
		"extended resource, req = lim":  "  resources: {requests: {example.com/gpu: '1'}, limits: {example.com/gpu: '1'}}",
		"volume without a source":       "volumes: [{name: v}]",
		"subPathExpr":                   "volumeMounts: [{name: v, mountPath: /v, subPathExpr: '$(POD)'}]",
		"templated env name":            "env: [{name: '{{ .Name }}', value: x}]",
		"restricted security context":   "  securityContext: {allowPrivilegeEscalation: false, runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}, capabilities: {drop: [ALL]}}",
		"hugepages beside memory":       "  resources: {limits: {hugepages-2Mi: 4Mi, memory: 64Mi}}",
		"httpGet port by name":          "  livenessProbe: {httpGet: {port: http}}",
		"resizePolicy on a sidecar":     "  resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]",
		"init restartPolicy OnFailure":  "initContainers: [{name: setup, image: 'b:1', restartPolicy: OnFailure}]",
		"classic restartPolicy Never":   "mode: classic\nkubernetesVersion: '1.35'\ninitContainers: [{name: setup, image: 'b:1', restartPolicy: Never, restartPolicyRules: [{action: Restart, exitCodes: {operator: In, values: [42]}}]}]",
		"downwardAPI volume of a label": "volumes: [{name: v, downwardAPI: {items: [{path: l, fieldRef: {fieldPath: \"metadata.labels['app']\"}}]}}]",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			spec = sidecar + spec // a field of the sidecar, or of the spec
			if _, err := decode(t, header+"spec:\n"+indent(spec)); err != nil {
				t.Errorf("refused: %v", err)
			}
		})
	}
}
