package provider

import (
	"maps"
	"testing"
)

func TestQuietSDKLogs(t *testing.T) {
	t.Parallel()
	off := map[string]string{"TF_LOG_SDK": "OFF", "TF_LOG_SDK_PROTO": "OFF", "TF_LOG_SDK_FRAMEWORK": "OFF"}
	for _, tc := range []struct {
		name    string
		environ []string
		want    map[string]string
	}{
		{"Terraform not logging", []string{"HOME=/root", "TF_CLI_CONFIG_FILE=/x.tfrc", "TF_PLUGIN_MAGIC_COOKIE=x"}, off},
		{"empty TF_LOG", []string{"TF_LOG="}, off},
		// OFF is a level that asks for no logs, in any case (hclog.LevelFromString).
		{"TF_LOG off", []string{"TF_LOG=off"}, off},
		{"an SDK level set to OFF by the user", []string{"TF_LOG_SDK=OFF", "TF_LOG_PROVIDER=Off"}, off},
		{"one level on beside others off", []string{"TF_LOG=OFF", "TF_LOG_PROVIDER_GITLABDEPLOY_API=debug"}, nil},
		// Terraform writes its log file only when a level is set (internal/logging: TF_LOG empty
		// is off), and a data directory is no level either.
		{"TF_LOG_PATH alone", []string{"TF_LOG_PATH=/tmp/tf.log", "TF_LOG_PATH_MASK=/tmp/%s.log"}, off},
		{"TF_LOG_SDK_PROTO_DATA_DIR alone", []string{"TF_LOG_SDK_PROTO_DATA_DIR=/tmp/proto"}, off},
		{"TF_LOG_PATH with TF_LOG", []string{"TF_LOG_PATH=/tmp/tf.log", "TF_LOG=debug"}, nil},
		{"TF_LOG", []string{"TF_LOG=debug"}, nil},
		{"TF_LOG_PROVIDER", []string{"TF_LOG_PROVIDER=trace"}, nil},
		{"an SDK level set by the user", []string{"TF_LOG_SDK_FRAMEWORK=debug"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := quietSDKLogs(tc.environ); !maps.Equal(got, tc.want) {
				t.Errorf("quietSDKLogs(%q) = %v, want %v", tc.environ, got, tc.want)
			}
		})
	}
}
