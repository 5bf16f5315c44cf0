package provider

import (
	"os"
	"strings"
)

// The SDK's log levels, read by terraform-plugin-go and terraform-plugin-framework on every
// protocol call.
var sdkLogLevelVariables = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"}

// QuietSDKLogs turns off the SDK's trace logs when no TF_LOG* variable is set, as Terraform would
// drop them after the SDK formatted them (DESIGN.md §B10). main calls it before serving.
func QuietSDKLogs() {
	for name, value := range quietSDKLogs(os.Environ()) {
		_ = os.Setenv(name, value) // cannot fail for these names
	}
}

// quietSDKLogs returns the variables to set, given the environment as os.Environ lists it.
func quietSDKLogs(environ []string) map[string]string {
	if logsRequested(environ) {
		return nil
	}
	set := make(map[string]string, len(sdkLogLevelVariables))
	for _, name := range sdkLogLevelVariables {
		set[name] = "OFF"
	}
	return set
}

// notLogLevels are the TF_LOG* variables that name a file or directory, not a level: alone, they
// ask for no logs (Terraform writes TF_LOG_PATH only when a level is set).
var notLogLevels = map[string]bool{"TF_LOG_PATH": true, "TF_LOG_PATH_MASK": true, "TF_LOG_SDK_PROTO_DATA_DIR": true}

// logsRequested reports whether a TF_LOG* variable asks for logs (is set to a level other than
// OFF), given the environment as os.Environ lists it.
func logsRequested(environ []string) bool {
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TF_LOG") && !notLogLevels[name] && value != "" && !strings.EqualFold(value, "off") {
			return true
		}
	}
	return false
}
