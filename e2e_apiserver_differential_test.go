package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The differential test: variants of a valid sidecar, each with one
// field broken (or set to a valid edge value), from a table that covers
// every field of core/v1 Container the config accepts, and the other
// objects an injection adds. For each, the tool's verdict on a config
// holding it must be the API server's verdict on the pod the injection
// makes: refused by the tool exactly when the server's dry run refuses
// the injected workload. The rule column names the server's check
// (Kubernetes pkg/apis/core/validation) the row is about.

// diffRow is one variant. Each patch is YAML, merged key by key over
// its base (a null value removes the key).
type diffRow struct {
	field, name, rule string
	sidecar           string // over the base sidecar
	init              string // a run-to-completion init container, over the base one
	spec              string // over the config's spec (volumes, volumeMounts, env, imagePullSecrets, mode)
	override          string // the owners' override of the sidecar (a partial container)
	// toolOnly, when set, says why the tool refuses what the server
	// takes: a rule of the injection's own, not the server's.
	toolOnly string
	// twin: the config has the sidecar twice (the second named agent-2).
	twin bool
	// podOnly: the server refuses it in a Pod, not in a pod template;
	// the tool refuses it for both (toolOnly says why).
	podOnly bool
}

const (
	diffSidecar = `{name: agent, image: 'example/agent:1.0', resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 32Mi}}, volumeMounts: [{name: shared, mountPath: /shared}]}`
	diffInit    = `{name: setup, image: 'busybox:1.36', command: [sh, -c, 'true']}`
	diffSpec    = `{volumes: [{name: shared, emptyDir: {}}], volumeMounts: [{name: shared, mountPath: /shared}], env: [{name: AGENT_ADDR, value: '127.0.0.1:9000'}]}`
)

var diffRows = []diffRow{
	// The base, untouched: both must take it.
	{field: "-", name: "the valid sidecar", rule: "-"},

	{field: "name", name: "64 characters", rule: "validateContainerCommon: ValidateDNS1123Label", sidecar: `{name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}`},
	{field: "name", name: "not a DNS label", rule: "validateContainerCommon: ValidateDNS1123Label", sidecar: `{name: Agent_1}`},
	{field: "image", name: "empty", rule: "validateContainerCommon: image Required", sidecar: `{image: ''}`},
	{field: "image", name: "surrounding spaces", rule: "validateContainerOnlyForPod (Pods only)", sidecar: `{image: ' example/agent:1.0 '}`,
		toolOnly: "a pod template takes it, but the server refuses every Pod made from it", podOnly: true},
	{field: "command", name: "a command", rule: "(not validated)", sidecar: `{command: [agent, --serve]}`},
	{field: "args", name: "arguments", rule: "(not validated)", sidecar: `{args: ['--port=9000']}`},
	{field: "workingDir", name: "a relative working dir", rule: "(not validated)", sidecar: `{workingDir: relative/dir}`},

	{field: "ports", name: "containerPort 0", rule: "validateContainerPorts: containerPort Required", sidecar: `{ports: [{containerPort: 0}]}`},
	{field: "ports", name: "containerPort 70000", rule: "validateContainerPorts: IsValidPortNum", sidecar: `{ports: [{containerPort: 70000}]}`},
	{field: "ports", name: "hostPort 70000", rule: "validateContainerPorts: IsValidPortNum", sidecar: `{ports: [{containerPort: 9000, hostPort: 70000}]}`},
	{field: "ports", name: "hostPort -1", rule: "validateContainerPorts: IsValidPortNum", sidecar: `{ports: [{containerPort: 9000, hostPort: -1}]}`},
	{field: "ports", name: "protocol TCPX", rule: "validateContainerPorts: supportedPortProtocols", sidecar: `{ports: [{containerPort: 9000, protocol: TCPX}]}`},
	{field: "ports", name: "protocol tcp (lowercase)", rule: "validateContainerPorts: supportedPortProtocols", sidecar: `{ports: [{containerPort: 9000, protocol: tcp}]}`},
	{field: "ports", name: "protocol SCTP", rule: "validateContainerPorts: supportedPortProtocols", sidecar: `{ports: [{containerPort: 9000, protocol: SCTP}]}`},
	{field: "ports", name: "name not IANA", rule: "validateContainerPorts: IsValidPortName", sidecar: `{ports: [{name: Web_UI, containerPort: 9000}]}`},
	{field: "ports", name: "name of 16 characters", rule: "validateContainerPorts: IsValidPortName", sidecar: `{ports: [{name: admin-interface1, containerPort: 9000}]}`},
	{field: "ports", name: "a name used twice", rule: "validateContainerPorts: Duplicate name", sidecar: `{ports: [{name: http, containerPort: 9000}, {name: http, containerPort: 9001}]}`},
	{field: "ports", name: "a host port twice", rule: "checkHostPortConflicts", sidecar: `{ports: [{containerPort: 9000, hostPort: 9000}, {containerPort: 9001, hostPort: 9000}]}`},
	{field: "ports", name: "one port in two sidecars", rule: "(not validated)", sidecar: `{ports: [{containerPort: 9000}]}`, twin: true,
		toolOnly: "the sidecars share the pod's network: the second could never listen"},
	{field: "ports", name: "hostIP", rule: "(not validated)", sidecar: `{ports: [{containerPort: 9000, hostIP: 10.0.0.1}]}`},

	{field: "envFrom", name: "no source", rule: "ValidateEnvFrom: one of configMapRef, secretRef", sidecar: `{envFrom: [{prefix: A_}]}`},
	{field: "envFrom", name: "two sources", rule: "ValidateEnvFrom: one of configMapRef, secretRef", sidecar: `{envFrom: [{configMapRef: {name: a}, secretRef: {name: b}}]}`},
	{field: "envFrom", name: "prefix with '='", rule: "ValidateEnvFrom: IsRelaxedEnvVarName", sidecar: `{envFrom: [{prefix: 'A=', configMapRef: {name: a}}]}`},
	{field: "envFrom", name: "prefix starting with a digit", rule: "ValidateEnvFrom: IsRelaxedEnvVarName", sidecar: `{envFrom: [{prefix: '1_', configMapRef: {name: a}}]}`},
	{field: "envFrom", name: "ConfigMap name not a DNS subdomain", rule: "validateConfigMapEnvSource: ValidateConfigMapName", sidecar: `{envFrom: [{configMapRef: {name: Bad_Name}}]}`},

	{field: "envFrom", name: "ConfigMap name ending in '-' (checked as a prefix)", rule: "validateConfigMapEnvSource: ValidateConfigMapName(prefix)", sidecar: `{envFrom: [{configMapRef: {name: settings-}}]}`},

	{field: "env", name: "name A=B", rule: "ValidateEnv: IsRelaxedEnvVarName", sidecar: `{env: [{name: A=B, value: x}]}`},
	{field: "env", name: "empty name", rule: "ValidateEnv: name Required", sidecar: `{env: [{name: '', value: x}]}`},
	{field: "env", name: "name starting with a digit", rule: "ValidateEnv: IsRelaxedEnvVarName", sidecar: `{env: [{name: '1ABC', value: x}]}`},
	{field: "env", name: "name with a space", rule: "ValidateEnv: IsRelaxedEnvVarName", sidecar: `{env: [{name: 'MY VAR', value: x}]}`},
	{field: "env", name: "name not ASCII", rule: "ValidateEnv: IsRelaxedEnvVarName", sidecar: `{env: [{name: 'ÉTAT', value: x}]}`},
	{field: "env", name: "fieldRef apiVersion v2", rule: "validateObjectFieldSelector: ConvertDownwardAPIFieldLabel", sidecar: `{env: [{name: A, valueFrom: {fieldRef: {apiVersion: v2, fieldPath: metadata.name}}}]}`},
	{field: "env", name: "fieldRef to all labels", rule: "validateObjectFieldSelector: validEnvDownwardAPIFieldPathExpressions", sidecar: `{env: [{name: A, valueFrom: {fieldRef: {fieldPath: metadata.labels}}}]}`},
	{field: "env", name: "fieldRef to an annotation with capitals", rule: "validateObjectFieldSelector: subscript", sidecar: `{env: [{name: A, valueFrom: {fieldRef: {fieldPath: "metadata.annotations['Example.com/Key']"}}}]}`},
	{field: "env", name: "resourceFieldRef to requests.hugepages-2Mi", rule: "validateContainerResourceFieldSelector: hugepages prefix", sidecar: `{env: [{name: A, valueFrom: {resourceFieldRef: {resource: requests.hugepages-2Mi}}}]}`},
	{field: "env", name: "two valueFrom sources", rule: "validateEnvVarValueFrom: more than one field", sidecar: `{env: [{name: A, valueFrom: {fieldRef: {fieldPath: metadata.name}, secretKeyRef: {name: s, key: k}}}]}`},
	{field: "env", name: "value and valueFrom", rule: "validateEnvVarValueFrom: value not empty", sidecar: `{env: [{name: A, value: x, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]}`},
	{field: "env", name: "valueFrom with no source", rule: "validateEnvVarValueFrom: must specify one", sidecar: `{env: [{name: A, valueFrom: {}}]}`},
	{field: "env", name: "fieldRef to an unknown field", rule: "validateObjectFieldSelector: NotSupported", sidecar: `{env: [{name: A, valueFrom: {fieldRef: {fieldPath: spec.bogus}}}]}`},
	{field: "env", name: "fieldRef to a label", rule: "validateObjectFieldSelector: subscript", sidecar: `{env: [{name: A, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}]}`},
	{field: "env", name: "resourceFieldRef to limits.gpu", rule: "validateContainerResourceFieldSelector: NotSupported", sidecar: `{env: [{name: A, valueFrom: {resourceFieldRef: {resource: limits.gpu}}}]}`},
	{field: "env", name: "resourceFieldRef cpu divisor 3", rule: "validateContainerResourceDivisor", sidecar: `{env: [{name: A, valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: '3'}}}]}`},
	{field: "env", name: "secretKeyRef without key", rule: "validateSecretKeySelector: key Required", sidecar: `{env: [{name: A, valueFrom: {secretKeyRef: {name: s, key: ''}}}]}`},
	{field: "env", name: "configMapKeyRef key not a config key", rule: "validateConfigMapKeySelector: IsConfigMapKey", sidecar: `{env: [{name: A, valueFrom: {configMapKeyRef: {name: c, key: 'bad key!'}}}]}`},

	{field: "env", name: "fileKeyRef of the shared emptyDir", rule: "validateFileKeySelector (EnvFiles)", sidecar: `{env: [{name: A, valueFrom: {fileKeyRef: {volumeName: shared, path: env, key: TOKEN}}}]}`},
	{field: "env", name: "fileKeyRef path ../x", rule: "validateFileKeySelector: validatePathNoBacksteps", sidecar: `{env: [{name: A, valueFrom: {fileKeyRef: {volumeName: shared, path: ../x, key: TOKEN}}}]}`},
	{field: "env", name: "fileKeyRef of a configMap volume", rule: "validateFileKeyRefVolumes: emptyDir", sidecar: `{env: [{name: A, valueFrom: {fileKeyRef: {volumeName: shared, path: env, key: TOKEN}}}]}`, spec: `{volumes: [{name: shared, configMap: {name: c}}]}`},
	{field: "resources", name: "a resource named cpus", rule: "validateContainerResourceName", sidecar: `{resources: {limits: {cpus: '1'}}}`},
	{field: "resources", name: "requests above limits", rule: "validateResourceRequirements: request <= limit", sidecar: `{resources: {requests: {memory: 64Mi}, limits: {memory: 32Mi}}}`},
	{field: "resources", name: "a negative request", rule: "ValidateResourceQuantityValue: ValidateNonnegativeQuantity", sidecar: `{resources: {requests: {cpu: '-1'}}}`},
	{field: "resources", name: "an extended resource, request = limit", rule: "validateResourceRequirements", sidecar: `{resources: {requests: {example.com/gpu: '1'}, limits: {example.com/gpu: '1'}}}`},
	{field: "resources", name: "an extended resource without a limit", rule: "validateResourceRequirements: non overcommitable", sidecar: `{resources: {requests: {example.com/gpu: '1'}}}`},
	{field: "resources", name: "half an extended resource", rule: "ValidateResourceQuantityValue: must be an integer", sidecar: `{resources: {requests: {example.com/gpu: 500m}, limits: {example.com/gpu: 500m}}}`},
	{field: "resources", name: "hugepages not a multiple of the page", rule: "validateResourceQuantityHugePageValue", sidecar: `{resources: {limits: {hugepages-2Mi: 3Mi, memory: 32Mi}}}`},
	{field: "resources", name: "hugepages without cpu or memory", rule: "validateResourceRequirements: HugePages require cpu or memory", sidecar: `{resources: {limits: {hugepages-2Mi: 2Mi}}}`},
	{field: "resources", name: "requests.cpu as a name", rule: "validateContainerResourceName: standard resource for containers", sidecar: `{resources: {limits: {requests.cpu: '1'}}}`},
	{field: "resources", name: "a kubernetes.io resource", rule: "validateContainerResourceName: native resource", sidecar: `{resources: {limits: {kubernetes.io/foo: '1'}}}`},
	{field: "resources", name: "an extended resource with a capital domain", rule: "validateResourceName: IsQualifiedName", sidecar: `{resources: {limits: {Example.com/gpu: '1'}}}`},
	{field: "resources", name: "an extended resource limit only", rule: "validateResourceRequirements (requests defaulted to limits)", sidecar: `{resources: {limits: {example.com/gpu: '2'}}}`},
	{field: "resources", name: "ephemeral-storage", rule: "validateContainerResourceName", sidecar: `{resources: {limits: {ephemeral-storage: 1Gi}}}`},
	{field: "resources", name: "a claim", rule: "validateResourceClaimNames: pod.spec.resourceClaims", sidecar: `{resources: {claims: [{name: gpu}]}}`},

	{field: "resizePolicy", name: "cpu NotRequired", rule: "validateResizePolicy", sidecar: `{resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]}`},
	{field: "resizePolicy", name: "an unknown resource", rule: "validateResizePolicy: supportedResizeResources", sidecar: `{resizePolicy: [{resourceName: gpu, restartPolicy: NotRequired}]}`},
	{field: "resizePolicy", name: "an unknown policy", rule: "validateResizePolicy: supportedResizePolicies", sidecar: `{resizePolicy: [{resourceName: cpu, restartPolicy: Sometimes}]}`},

	{field: "restartPolicy", name: "Always on a native sidecar", rule: "validateInitContainerRestartPolicy", sidecar: `{restartPolicy: Always}`},
	{field: "restartPolicy", name: "OnFailure on a native sidecar", rule: "validateInitContainerRestartPolicy", sidecar: `{restartPolicy: OnFailure}`,
		toolOnly: "a native sidecar keeps running: with OnFailure it would be an init container that blocks the app"},
	{field: "restartPolicy", name: "Always on a classic sidecar", rule: "validateContainerRestartPolicy (ContainerRestartRules)", spec: `{mode: classic}`, sidecar: `{restartPolicy: Always}`},
	{field: "restartPolicy", name: "Sometimes on a classic sidecar", rule: "validateContainerRestartPolicy: supportedContainerRestartPolicies", spec: `{mode: classic}`, sidecar: `{restartPolicy: Sometimes}`},
	{field: "restartPolicyRules", name: "without a restartPolicy", rule: "validateInitContainerRestartPolicy: restartPolicy Required", init: `{restartPolicyRules: [{action: Restart, exitCodes: {operator: In, values: [42]}}]}`},
	{field: "restartPolicyRules", name: "on a Never init container", rule: "validateContainerRestartPolicy", init: `{restartPolicy: Never, restartPolicyRules: [{action: Restart, exitCodes: {operator: In, values: [42]}}]}`},
	{field: "restartPolicyRules", name: "without exitCodes", rule: "validateContainerRestartPolicy: exitCodes Required", init: `{restartPolicy: Never, restartPolicyRules: [{action: Restart}]}`},
	{field: "restartPolicyRules", name: "operator Between", rule: "validateContainerRestartPolicy: supportedContainerRestartPolicyOperators", init: `{restartPolicy: Never, restartPolicyRules: [{action: Restart, exitCodes: {operator: Between, values: [1]}}]}`},
	{field: "restartPolicyRules", name: "on a native sidecar", rule: "validateContainerRestartPolicy (RestartAllContainersOnContainerExits)", sidecar: `{restartPolicy: Always, restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]}`},
	{field: "initContainers", name: "restartPolicy OnFailure", rule: "validateContainerRestartPolicy (ContainerRestartRules)", init: `{restartPolicy: OnFailure}`},
	{field: "resizePolicy", name: "RestartContainer on a run-to-completion init container", rule: "validateInitContainers: non-sidecar RestartContainer", init: `{resizePolicy: [{resourceName: cpu, restartPolicy: RestartContainer}]}`},

	{field: "volumeMounts", name: "empty mountPath", rule: "ValidateVolumeMounts: mountPath Required", sidecar: `{volumeMounts: [{name: shared, mountPath: ''}]}`},
	{field: "volumeMounts", name: "subPath ../escape", rule: "ValidateVolumeMounts: validateLocalDescendingPath", sidecar: `{volumeMounts: [{name: shared, mountPath: /shared, subPath: ../escape}]}`},
	{field: "volumeMounts", name: "absolute subPath", rule: "ValidateVolumeMounts: validateLocalDescendingPath", sidecar: `{volumeMounts: [{name: shared, mountPath: /shared, subPath: /abs}]}`},
	{field: "volumeMounts", name: "subPath a/b", rule: "ValidateVolumeMounts: validateLocalDescendingPath", sidecar: `{volumeMounts: [{name: shared, mountPath: /shared, subPath: a/b}]}`},
	{field: "volumeMounts", name: "subPathExpr ../$(POD)", rule: "ValidateVolumeMounts: validateLocalDescendingPath", sidecar: `{volumeMounts: [{name: shared, mountPath: /shared, subPathExpr: '../$(POD)'}]}`},
	{field: "volumeMounts", name: "subPath and subPathExpr", rule: "ValidateVolumeMounts: mutually exclusive", sidecar: `{volumeMounts: [{name: shared, mountPath: /shared, subPath: a, subPathExpr: b}]}`},
	{field: "volumeMounts", name: "mountPropagation Sideways", rule: "validateMountPropagation: NotSupported", sidecar: `{volumeMounts: [{name: shared, mountPath: /shared, mountPropagation: Sideways}]}`},
	{field: "volumeMounts", name: "Bidirectional, not privileged", rule: "validateMountPropagation: privileged only", sidecar: `{volumeMounts: [{name: shared, mountPath: /shared, mountPropagation: Bidirectional}]}`},
	{field: "volumeMounts", name: "HostToContainer", rule: "validateMountPropagation", sidecar: `{volumeMounts: [{name: shared, mountPath: /shared, mountPropagation: HostToContainer}]}`},
	{field: "volumeMounts", name: "recursiveReadOnly without readOnly", rule: "validateMountRecursiveReadOnly", sidecar: `{volumeMounts: [{name: shared, mountPath: /shared, recursiveReadOnly: Enabled}]}`},
	{field: "volumeMounts", name: "a relative mountPath", rule: "(not validated)", sidecar: `{volumeMounts: [{name: shared, mountPath: relative}]}`},
	{field: "volumeMounts", name: "absolute subPathExpr", rule: "ValidateVolumeMounts: validateLocalDescendingPath", sidecar: `{volumeMounts: [{name: shared, mountPath: /shared, subPathExpr: /x}]}`},
	{field: "volumeMounts", name: "recursiveReadOnly IfPossible, read-only", rule: "validateMountRecursiveReadOnly", sidecar: `{volumeMounts: [{name: shared, mountPath: /shared, readOnly: true, recursiveReadOnly: IfPossible}]}`},
	{field: "volumeMounts", name: "one path twice", rule: "ValidateVolumeMounts: must be unique", sidecar: `{volumeMounts: [{name: shared, mountPath: /shared}, {name: shared, mountPath: /shared}]}`},
	{field: "volumeDevices", name: "a device path that is a mount path", rule: "ValidateVolumeDevices: must not already exist as a path in volumeMounts", spec: `{volumes: [{name: shared, emptyDir: {}}, {name: disk, persistentVolumeClaim: {claimName: c}}]}`, sidecar: `{volumeDevices: [{name: disk, devicePath: /shared}]}`},
	{field: "volumeDevices", name: "a claim as a block device", rule: "ValidateVolumeDevices", spec: `{volumes: [{name: shared, emptyDir: {}}, {name: disk, persistentVolumeClaim: {claimName: c}}]}`, sidecar: `{volumeDevices: [{name: disk, devicePath: /dev/xvda}]}`},
	{field: "volumeDevices", name: "an emptyDir as a block device", rule: "ValidateVolumeDevices: PersistentVolumeClaim or Ephemeral", sidecar: `{volumeDevices: [{name: shared, devicePath: /dev/xvda}]}`},

	{field: "livenessProbe", name: "periodSeconds -1", rule: "validateProbe: ValidateNonnegativeField", sidecar: `{livenessProbe: {exec: {command: ['true']}, periodSeconds: -1}}`},
	{field: "livenessProbe", name: "periodSeconds 0 (defaulted to 10)", rule: "validateProbe (after SetDefaults_Probe)", sidecar: `{livenessProbe: {exec: {command: ['true']}, periodSeconds: 0}}`},
	{field: "livenessProbe", name: "timeoutSeconds -3", rule: "validateProbe: ValidateNonnegativeField", sidecar: `{livenessProbe: {exec: {command: ['true']}, timeoutSeconds: -3}}`},
	{field: "livenessProbe", name: "initialDelaySeconds -1", rule: "validateProbe: ValidateNonnegativeField", sidecar: `{livenessProbe: {exec: {command: ['true']}, initialDelaySeconds: -1}}`},
	{field: "livenessProbe", name: "failureThreshold -1", rule: "validateProbe: ValidateNonnegativeField", sidecar: `{livenessProbe: {exec: {command: ['true']}, failureThreshold: -1}}`},
	{field: "livenessProbe", name: "successThreshold 2", rule: "validateLivenessProbe: must be 1", sidecar: `{livenessProbe: {exec: {command: ['true']}, successThreshold: 2}}`},
	{field: "livenessProbe", name: "terminationGracePeriodSeconds 0", rule: "validateProbe: greater than 0", sidecar: `{livenessProbe: {exec: {command: ['true']}, terminationGracePeriodSeconds: 0}}`},
	{field: "livenessProbe", name: "no handler", rule: "validateHandler: must specify a handler type", sidecar: `{livenessProbe: {periodSeconds: 5}}`},
	{field: "livenessProbe", name: "two handlers", rule: "validateHandler: more than 1 handler type", sidecar: `{livenessProbe: {exec: {command: ['true']}, tcpSocket: {port: 9000}}}`},
	{field: "livenessProbe", name: "exec without a command", rule: "validateExecAction: command Required", sidecar: `{livenessProbe: {exec: {command: []}}}`},
	{field: "livenessProbe", name: "httpGet port 0", rule: "ValidatePortNumOrName", sidecar: `{livenessProbe: {httpGet: {path: /, port: 0}}}`},
	{field: "livenessProbe", name: "httpGet port name not IANA", rule: "ValidatePortNumOrName: IsValidPortName", sidecar: `{livenessProbe: {httpGet: {path: /, port: Bad_Name}}}`},
	{field: "livenessProbe", name: "httpGet port by name", rule: "ValidatePortNumOrName", sidecar: `{livenessProbe: {httpGet: {path: /, port: http}}}`},
	{field: "livenessProbe", name: "httpGet scheme FTP", rule: "validateHTTPGetAction: supportedHTTPSchemes", sidecar: `{livenessProbe: {httpGet: {path: /, port: 9000, scheme: FTP}}}`},
	{field: "livenessProbe", name: "httpGet header name with a space", rule: "validateHTTPGetAction: IsHTTPHeaderName", sidecar: `{livenessProbe: {httpGet: {path: /, port: 9000, httpHeaders: [{name: 'bad header', value: x}]}}}`},
	{field: "livenessProbe", name: "tcpSocket port 70000", rule: "validateTCPSocketAction", sidecar: `{livenessProbe: {tcpSocket: {port: 70000}}}`},
	{field: "livenessProbe", name: "grpc port 0", rule: "validateGRPCAction", sidecar: `{livenessProbe: {grpc: {port: 0}}}`},
	{field: "readinessProbe", name: "successThreshold 2", rule: "validateReadinessProbe", sidecar: `{readinessProbe: {exec: {command: ['true']}, successThreshold: 2}}`},
	{field: "readinessProbe", name: "terminationGracePeriodSeconds", rule: "validateReadinessProbe: must not be set", sidecar: `{readinessProbe: {exec: {command: ['true']}, terminationGracePeriodSeconds: 10}}`},
	{field: "startupProbe", name: "successThreshold 2", rule: "validateStartupProbe: must be 1", sidecar: `{startupProbe: {exec: {command: ['true']}, successThreshold: 2}}`},
	{field: "startupProbe", name: "periodSeconds -1", rule: "validateProbe: ValidateNonnegativeField", sidecar: `{startupProbe: {tcpSocket: {port: 9000}, periodSeconds: -1}}`},

	{field: "lifecycle", name: "preStop sleep -1", rule: "validateSleepAction", sidecar: `{lifecycle: {preStop: {sleep: {seconds: -1}}}}`},
	{field: "lifecycle", name: "preStop sleep 5", rule: "validateSleepAction", sidecar: `{lifecycle: {preStop: {sleep: {seconds: 5}}}}`},
	{field: "lifecycle", name: "postStart with two handlers", rule: "validateHandler: more than 1 handler type", sidecar: `{lifecycle: {postStart: {exec: {command: ['true']}, httpGet: {path: /, port: 9000}}}}`},
	{field: "lifecycle", name: "preStop with no handler", rule: "validateHandler: must specify a handler type", sidecar: `{lifecycle: {preStop: {}}}`},

	{field: "lifecycle", name: "stopSignal (its gate is off: the server drops it)", rule: "dropDisabledPodFields (ContainerStopSignals)", sidecar: `{lifecycle: {stopSignal: SIGUSR1}}`},
	{field: "volumeMounts", name: "bindMountOptions (its gate is off: the server drops them)", rule: "dropDisabledPodFields (VolumeBindMountOptions)", sidecar: `{volumeMounts: [{name: shared, mountPath: /shared, bindMountOptions: [noexec]}]}`},

	{field: "terminationMessagePath", name: "a custom path", rule: "(not validated)", sidecar: `{terminationMessagePath: /tmp/done}`},
	{field: "terminationMessagePolicy", name: "Sometimes", rule: "validateContainerCommon: terminationMessagePolicy NotSupported", sidecar: `{terminationMessagePolicy: Sometimes}`},
	{field: "terminationMessagePolicy", name: "FallbackToLogsOnError", rule: "validateContainerCommon", sidecar: `{terminationMessagePolicy: FallbackToLogsOnError}`},
	{field: "imagePullPolicy", name: "Sometimes", rule: "validatePullPolicy: supportedPullPolicies", sidecar: `{imagePullPolicy: Sometimes}`},
	{field: "imagePullPolicy", name: "always (lowercase)", rule: "validatePullPolicy: supportedPullPolicies", sidecar: `{imagePullPolicy: always}`},
	{field: "imagePullPolicy", name: "Never", rule: "validatePullPolicy", sidecar: `{imagePullPolicy: Never}`},

	{field: "securityContext", name: "runAsUser -1", rule: "ValidateSecurityContext: IsValidUserID", sidecar: `{securityContext: {runAsUser: -1}}`},
	{field: "securityContext", name: "runAsGroup -1", rule: "ValidateSecurityContext: IsValidGroupID", sidecar: `{securityContext: {runAsGroup: -1}}`},
	{field: "securityContext", name: "procMount Bogus", rule: "ValidateProcMountType", sidecar: `{securityContext: {procMount: Bogus}}`},
	{field: "securityContext", name: "seccomp type Bogus", rule: "validateSeccompProfileType", sidecar: `{securityContext: {seccompProfile: {type: Bogus}}}`},
	{field: "securityContext", name: "seccomp Localhost without a profile", rule: "validateSeccompProfileField", sidecar: `{securityContext: {seccompProfile: {type: Localhost}}}`},
	{field: "securityContext", name: "seccomp RuntimeDefault with a profile", rule: "validateSeccompProfileField", sidecar: `{securityContext: {seccompProfile: {type: RuntimeDefault, localhostProfile: p.json}}}`},
	{field: "securityContext", name: "seccomp Localhost with an empty profile", rule: "validateSeccompProfileField: validateLocalDescendingPath", sidecar: `{securityContext: {seccompProfile: {type: Localhost, localhostProfile: ''}}}`},
	{field: "securityContext", name: "appArmor Localhost with a padded profile", rule: "ValidateAppArmorProfileField: whitespace", sidecar: `{securityContext: {appArmorProfile: {type: Localhost, localhostProfile: ' p '}}}`},
	{field: "securityContext", name: "appArmor type Bogus", rule: "ValidateAppArmorProfileField", sidecar: `{securityContext: {appArmorProfile: {type: Bogus}}}`},
	{field: "securityContext", name: "windows runAsUserName empty", rule: "validateWindowsSecurityContextOptions", sidecar: `{securityContext: {windowsOptions: {runAsUserName: ''}}}`},
	{field: "securityContext", name: "windows runAsUserName with two backslashes", rule: "validateWindowsSecurityContextOptions", sidecar: `{securityContext: {windowsOptions: {runAsUserName: 'a\b\c'}}}`},
	{field: "securityContext", name: "windows runAsUserName with a bad character", rule: "validateWindowsSecurityContextOptions", sidecar: `{securityContext: {windowsOptions: {runAsUserName: 'DOMAIN\us@er'}}}`},
	{field: "securityContext", name: "windows runAsUserName DOMAIN\\user", rule: "validateWindowsSecurityContextOptions", sidecar: `{securityContext: {windowsOptions: {runAsUserName: 'CORP\agent'}}}`},
	{field: "securityContext", name: "windows gmsaCredentialSpecName not a DNS name", rule: "validateWindowsSecurityContextOptions", sidecar: `{securityContext: {windowsOptions: {gmsaCredentialSpecName: Bad_Name}}}`},
	{field: "securityContext", name: "no escalation but CAP_SYS_ADMIN", rule: "ValidateSecurityContext: CAP_SYS_ADMIN", sidecar: `{securityContext: {allowPrivilegeEscalation: false, capabilities: {add: [CAP_SYS_ADMIN]}}}`},
	{field: "securityContext", name: "restricted-style", rule: "ValidateSecurityContext", sidecar: `{securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: {drop: [ALL]}}}`},
	{field: "stdin, stdinOnce, tty", name: "all true", rule: "(not validated)", sidecar: `{stdin: true, stdinOnce: true, tty: true}`},

	{field: "initContainers", name: "imagePullPolicy Whenever", rule: "validatePullPolicy", init: `{imagePullPolicy: Whenever}`},
	{field: "initContainers", name: "readinessProbe on a run-to-completion init container", rule: "validateInitContainers: Forbidden", init: `{readinessProbe: {exec: {command: ['true']}}}`},
	{field: "initContainers", name: "lifecycle on a run-to-completion init container", rule: "validateInitContainers: Forbidden", init: `{lifecycle: {preStop: {exec: {command: ['true']}}}}`},
	{field: "initContainers", name: "a valid one", rule: "validateInitContainers", init: `{}`},

	{field: "volumes", name: "two sources", rule: "validateVolumeSource: more than 1 volume type", spec: `{volumes: [{name: shared, emptyDir: {}, hostPath: {path: /var/log}}]}`},
	{field: "volumes", name: "no source (defaulted to emptyDir)", rule: "SetDefaults_Volume", spec: `{volumes: [{name: shared}]}`},
	{field: "volumes", name: "name not a DNS label", rule: "ValidateVolumes: ValidateDNS1123Label", spec: `{volumes: [{name: shared}, {name: Bad_Vol, emptyDir: {}}]}`},
	{field: "volumes", name: "negative emptyDir sizeLimit", rule: "validateVolumeSource: SizeLimit", spec: `{volumes: [{name: shared, emptyDir: {sizeLimit: -1Gi}}]}`},
	{field: "volumes", name: "hostPath with ..", rule: "validateHostPathVolumeSource: validatePathNoBacksteps", spec: `{volumes: [{name: shared, hostPath: {path: /var/../etc}}]}`},
	{field: "volumes", name: "hostPath type Bogus", rule: "validateHostPathType", spec: `{volumes: [{name: shared, hostPath: {path: /var/log, type: Bogus}}]}`},
	{field: "volumes", name: "secret without a name", rule: "validateSecretVolumeSource: secretName Required", spec: `{volumes: [{name: shared, secret: {}}]}`},
	{field: "volumes", name: "configMap item path ../x", rule: "validateKeyToPath: ValidateLocalNonReservedPath", spec: `{volumes: [{name: shared, configMap: {name: c, items: [{key: k, path: ../x}]}}]}`},
	{field: "volumes", name: "configMap defaultMode 01000", rule: "validateConfigMapVolumeSource: fileModeErrorMsg", spec: `{volumes: [{name: shared, configMap: {name: c, defaultMode: 512}}]}`},
	{field: "volumes", name: "projected entry with two sources", rule: "validateProjectionSources: more than 1 volume type per source", spec: `{volumes: [{name: shared, projected: {sources: [{configMap: {name: c}, secret: {name: s}}]}}]}`},
	{field: "volumes", name: "projected token of 60 seconds", rule: "validateProjectionSources: less than 10 minutes", spec: `{volumes: [{name: shared, projected: {sources: [{serviceAccountToken: {path: token, expirationSeconds: 60}}]}}]}`},
	{field: "volumes", name: "downwardAPI file of spec.nodeName", rule: "validateDownwardAPIVolumeFile: NotSupported", spec: `{volumes: [{name: shared, downwardAPI: {items: [{path: node, fieldRef: {fieldPath: spec.nodeName}}]}}]}`},
	{field: "volumes", name: "persistentVolumeClaim without a claim", rule: "validatePersistentClaimVolumeSource", spec: `{volumes: [{name: shared, persistentVolumeClaim: {claimName: ''}}]}`},
	{field: "volumes", name: "image without a reference", rule: "validateImageVolumeSource: reference Required", spec: `{volumes: [{name: shared, image: {pullPolicy: IfNotPresent}}]}`},
	{field: "volumes", name: "gitRepo into ../x", rule: "validateGitRepoVolumeSource: validateLocalDescendingPath", spec: `{volumes: [{name: shared, gitRepo: {repository: 'https://example.com/r.git', directory: ../x}}]}`},
	{field: "volumes", name: "emptyDir medium Bogus", rule: "(not validated)", spec: `{volumes: [{name: shared, emptyDir: {medium: Bogus}}]}`},
	{field: "volumes", name: "secret item mode -1", rule: "validateKeyToPath: fileModeErrorMsg", spec: `{volumes: [{name: shared, secret: {secretName: s, items: [{key: k, path: p, mode: -1}]}}]}`},
	{field: "volumes", name: "token without a path", rule: "validateProjectionSources: path Required", spec: `{volumes: [{name: shared, projected: {sources: [{serviceAccountToken: {path: ''}}]}}]}`},
	{field: "volumes", name: "downwardAPI resource without a container", rule: "validateContainerResourceFieldSelector: containerName Required", spec: `{volumes: [{name: shared, downwardAPI: {items: [{path: cpu, resourceFieldRef: {resource: limits.cpu}}]}}]}`},
	{field: "volumes", name: "configMap item without a key", rule: "validateKeyToPath: key Required", spec: `{volumes: [{name: shared, configMap: {name: c, items: [{key: '', path: p}]}}]}`},
	{field: "volumes", name: "name of 64 characters", rule: "ValidateVolumes: ValidateDNS1123Label", spec: `{volumes: [{name: shared}, {name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}]}`},
	{field: "volumes", name: "csi without a driver", rule: "validateCSIVolumeSource", spec: `{volumes: [{name: shared, csi: {driver: ''}}]}`},

	{field: "spec.volumeMounts", name: "empty mountPath", rule: "ValidateVolumeMounts: mountPath Required", spec: `{volumeMounts: [{name: shared, mountPath: ''}]}`},
	{field: "spec.volumeMounts", name: "subPath ../x", rule: "ValidateVolumeMounts: validateLocalDescendingPath", spec: `{volumeMounts: [{name: shared, mountPath: /shared, subPath: ../x}]}`},
	{field: "spec.volumeMounts", name: "mountPropagation Sideways", rule: "validateMountPropagation", spec: `{volumeMounts: [{name: shared, mountPath: /shared, mountPropagation: Sideways}]}`},
	{field: "spec.env", name: "name A=B", rule: "ValidateEnv: IsRelaxedEnvVarName", spec: `{env: [{name: A=B, value: x}]}`},
	{field: "spec.env", name: "two valueFrom sources", rule: "validateEnvVarValueFrom", spec: `{env: [{name: A, valueFrom: {fieldRef: {fieldPath: metadata.name}, configMapKeyRef: {name: c, key: k}}}]}`},
	{field: "imagePullSecrets", name: "a name", rule: "validateImagePullSecrets", spec: `{imagePullSecrets: [{name: registry}]}`},
	{field: "imagePullSecrets", name: "not a Secret name", rule: "validateImagePullSecrets (names unchecked)", spec: `{imagePullSecrets: [{name: Bad_Name}]}`,
		toolOnly: "no Secret can have that name: the pull secret could never be found"},
	{field: "imagePullSecrets", name: "empty name", rule: "validateImagePullSecrets (names unchecked)", spec: `{imagePullSecrets: [{name: ''}]}`,
		toolOnly: "an empty name names no Secret"},

	{field: "overrides", name: "image ''", rule: "validateContainerCommon: image Required", override: `{image: ''}`},
	{field: "overrides", name: "env name ''", rule: "ValidateEnv: name Required", override: `{env: [{name: '', value: x}]}`},
	{field: "overrides", name: "env name A=B", rule: "ValidateEnv: IsRelaxedEnvVarName", override: `{env: [{name: A=B, value: x}]}`},
	{field: "overrides", name: "resources.claims", rule: "validateResourceClaimNames", override: `{resources: {claims: [{name: gpu}]}}`},
	{field: "overrides", name: "requests above limits", rule: "validateResourceRequirements", override: `{resources: {requests: {cpu: 200m}, limits: {cpu: 100m}}}`},
	{field: "overrides", name: "a valid image", rule: "-", override: `{image: 'example/agent:1.1'}`},
}

// TestDifferentialCoversContainer: the table has a row for every field
// of core/v1 Container, read off the type, so a field Kubernetes adds
// needs a row.
func TestDifferentialCoversContainer(t *testing.T) {
	covered := map[string]bool{}
	for _, row := range diffRows {
		for _, f := range strings.Split(row.field, ", ") {
			covered[f] = true
		}
	}
	ct := reflect.TypeFor[corev1.Container]()
	for i := range ct.NumField() {
		name, _, _ := strings.Cut(ct.Field(i).Tag.Get("json"), ",")
		if !covered[name] {
			t.Errorf("no row of the differential table covers the container field %s", name)
		}
	}
	for _, f := range []string{"initContainers", "volumes", "spec.volumeMounts", "spec.env", "imagePullSecrets", "overrides"} {
		if !covered[f] {
			t.Errorf("no row covers %s", f)
		}
	}
}

// TestE2EAPIServerDifferential: the tool refuses a variant if and only
// if the API server refuses the workload the injection makes of it, as
// a Deployment (a pod template) and as a Pod.
func TestE2EAPIServerDifferential(t *testing.T) {
	s := kube(t)
	dir := t.TempDir()
	for _, kind := range []string{"Deployment", "Pod"} {
		for _, row := range diffRows {
			t.Run(kind+"/"+row.field+"/"+row.name, func(t *testing.T) {
				row.check(t, s, kind, filepath.Join(dir, "config.json"))
			})
		}
	}
}

// check runs the tool and the server on one variant, in one kind of
// workload.
func (row diffRow) check(t *testing.T, s *apiServer, kind, cfgFile string) {
	cfg, want := row.build(t, kind)
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(cfgFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	input, _ := json.Marshal(diffWorkload(kind, row.override))
	r := run(t, "", input, binary, "-q", "-c", cfgFile)
	if r.code != 0 && r.code != 1 {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	server := s.dryRun(t, want)
	if r.code == 0 {
		// What the tool made is what the server is asked about too; the
		// two must agree, or the row's picture of the injection is wrong.
		_, objs, order := objects(t, []byte(r.stdout))
		if got := s.dryRun(t, objs[order[0]]); got.ok != server.ok {
			t.Fatalf("the test's picture of the injection is wrong: server on the tool's output %v (%s), on the expected %v (%s)", got.ok, got.message, server.ok, server.message)
		}
	}
	toolOnly := row.toolOnly != "" && !(row.podOnly && kind == "Pod")
	switch toolRefuses := r.code == 1; {
	case toolOnly:
		if !toolRefuses || !server.ok {
			t.Errorf("a rule of the tool's own (%s): want the tool to refuse (exit %d) and the server to accept (%v: %s)", row.toolOnly, r.code, server.ok, server.message)
		}
	case toolRefuses && server.ok:
		t.Errorf("the tool refuses it (rule %s) and the server accepts it:\n%s", row.rule, r.stderr)
	case !toolRefuses && !server.ok:
		t.Errorf("the tool accepts it and the server refuses it (rule %s): %s", row.rule, server.message)
	}
}

// build returns the row's config and the Deployment the injection makes
// of diffWorkload with it (native mode: the sidecar first in
// initContainers, with restartPolicy: Always, the config's
// initContainers after it; classic: the sidecar last in containers;
// volumes on the pod; mounts and env on the app container; the owners'
// override applied).
func (row diffRow) build(t *testing.T, kind string) (cfg, want map[string]any) {
	t.Helper()
	sidecar := merge(t, diffSidecar, row.sidecar)
	spec := merge(t, diffSpec, row.spec)
	sidecars := []any{sidecar}
	if row.twin {
		second := maps.Clone(sidecar)
		second["name"] = "agent-2"
		sidecars = append(sidecars, second)
	}
	spec["containers"] = sidecars
	var inits []any
	if row.init != "" {
		inits = []any{merge(t, diffInit, row.init)}
		spec["initContainers"] = inits
	}
	if row.override != "" {
		spec["overrides"] = []any{"image", "env", "resources"}
	}
	cfg = map[string]any{"apiVersion": "inject-sidecars.dev/v1alpha1", "kind": "SidecarInjection",
		"metadata": map[string]any{"name": "diff"}, "spec": spec}

	injected := maps.Clone(sidecar)
	if row.override != "" {
		ov := merge(t, "{}", row.override)
		for k, v := range ov {
			if k == "env" {
				injected["env"] = append(asList(injected["env"]), asList(v)...)
			} else {
				injected[k] = v
			}
		}
	}
	want = diffWorkload(kind, row.override)
	pod := want["spec"].(map[string]any)
	if kind == "Deployment" {
		pod = pod["template"].(map[string]any)["spec"].(map[string]any)
	}
	app := pod["containers"].([]any)[0].(map[string]any)
	added := []any{injected}
	if row.twin {
		added = append(added, maps.Clone(sidecars[1].(map[string]any)))
	}
	if spec["mode"] == "classic" {
		pod["containers"] = append(pod["containers"].([]any), added...)
		if len(inits) > 0 {
			pod["initContainers"] = inits
		}
	} else {
		for _, c := range added {
			if c := c.(map[string]any); c["restartPolicy"] == nil {
				c["restartPolicy"] = "Always"
			}
		}
		pod["initContainers"] = append(added, inits...)
	}
	app["volumeMounts"] = spec["volumeMounts"]
	app["env"] = spec["env"]
	pod["volumes"] = spec["volumes"]
	if ps, ok := spec["imagePullSecrets"]; ok {
		pod["imagePullSecrets"] = ps
	}
	return cfg, want
}

// diffWorkload is the Deployment or Pod every variant is injected into;
// an override row's owners annotate its pod (template).
func diffWorkload(kind, override string) map[string]any {
	meta := map[string]any{"labels": map[string]any{"app": "web"}}
	if override != "" {
		meta["annotations"] = map[string]any{"inject-sidecars.dev/overrides": "{diff: {containers: [{name: agent, " + strings.TrimPrefix(strings.TrimSpace(override), "{") + "]}}"}
	}
	podSpec := map[string]any{"containers": []any{map[string]any{"name": "app", "image": "example/app:1.0"}}}
	if kind == "Pod" {
		meta["name"], meta["namespace"] = "web", "differential"
		return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": podSpec}
	}
	return map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "web", "namespace": "differential"},
		"spec": map[string]any{
			"selector": map[string]any{"matchLabels": map[string]any{"app": "web"}},
			"template": map[string]any{"metadata": meta, "spec": podSpec},
		},
	}
}

// merge returns base with patch's keys over it; a null removes a key.
func merge(t *testing.T, base, patch string) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, src := range []string{base, patch} {
		if src == "" {
			continue
		}
		var m map[string]any
		if err := yaml.Unmarshal([]byte(src), &m); err != nil {
			t.Fatalf("row %q: %v", src, err)
		}
		for k, v := range m {
			if v == nil {
				delete(out, k)
			} else {
				out[k] = v
			}
		}
	}
	return out
}

func asList(v any) []any { l, _ := v.([]any); return l }
