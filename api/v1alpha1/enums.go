package v1alpha1

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
)

// The values the API server takes for the enum fields of what a config
// adds to a pod. Validation checks them and the JSON Schema lists them,
// from these one lists.
var (
	pullPolicies               = []corev1.PullPolicy{corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever}
	protocols                  = []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}
	terminationMessagePolicies = []corev1.TerminationMessagePolicy{corev1.TerminationMessageReadFile, corev1.TerminationMessageFallbackToLogsOnError}
	containerRestartPolicies   = []corev1.ContainerRestartPolicy{corev1.ContainerRestartPolicyAlways, corev1.ContainerRestartPolicyNever, corev1.ContainerRestartPolicyOnFailure}
	mountPropagations          = []corev1.MountPropagationMode{corev1.MountPropagationBidirectional, corev1.MountPropagationHostToContainer, corev1.MountPropagationNone}
	recursiveReadOnlyModes     = []corev1.RecursiveReadOnlyMode{corev1.RecursiveReadOnlyDisabled, corev1.RecursiveReadOnlyIfPossible, corev1.RecursiveReadOnlyEnabled}
	uriSchemes                 = []corev1.URIScheme{corev1.URISchemeHTTP, corev1.URISchemeHTTPS}
	hostPathTypes              = []corev1.HostPathType{corev1.HostPathDirectoryOrCreate, corev1.HostPathDirectory,
		corev1.HostPathFileOrCreate, corev1.HostPathFile, corev1.HostPathSocket, corev1.HostPathCharDev, corev1.HostPathBlockDev}
	procMountTypes        = []corev1.ProcMountType{corev1.DefaultProcMount, corev1.UnmaskedProcMount}
	seccompProfileTypes   = []corev1.SeccompProfileType{corev1.SeccompProfileTypeLocalhost, corev1.SeccompProfileTypeRuntimeDefault, corev1.SeccompProfileTypeUnconfined}
	appArmorProfileTypes  = []corev1.AppArmorProfileType{corev1.AppArmorProfileTypeLocalhost, corev1.AppArmorProfileTypeRuntimeDefault, corev1.AppArmorProfileTypeUnconfined}
	resizeRestartPolicies = []corev1.ResourceResizeRestartPolicy{corev1.NotRequired, corev1.RestartContainer}
)

// schemaEnums are the enums above by Go type, for the JSON Schema. An
// empty value is listed where the server defaults it (or, for
// hostPath's type, where "" means no check).
var schemaEnums = map[reflect.Type][]string{
	reflect.TypeFor[corev1.PullPolicy]():                  asStrings(pullPolicies),
	reflect.TypeFor[corev1.Protocol]():                    asStrings(protocols),
	reflect.TypeFor[corev1.TerminationMessagePolicy]():    asStrings(terminationMessagePolicies),
	reflect.TypeFor[corev1.ContainerRestartPolicy]():      asStrings(containerRestartPolicies),
	reflect.TypeFor[corev1.MountPropagationMode]():        asStrings(mountPropagations),
	reflect.TypeFor[corev1.RecursiveReadOnlyMode]():       asStrings(recursiveReadOnlyModes),
	reflect.TypeFor[corev1.URIScheme]():                   asStrings(uriSchemes),
	reflect.TypeFor[corev1.HostPathType]():                append([]string{""}, asStrings(hostPathTypes)...),
	reflect.TypeFor[corev1.ProcMountType]():               asStrings(procMountTypes),
	reflect.TypeFor[corev1.SeccompProfileType]():          asStrings(seccompProfileTypes),
	reflect.TypeFor[corev1.AppArmorProfileType]():         asStrings(appArmorProfileTypes),
	reflect.TypeFor[corev1.ResourceResizeRestartPolicy](): asStrings(resizeRestartPolicies),
}
