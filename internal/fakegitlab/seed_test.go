package fakegitlab

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestParseSeedRefusesWithTheFieldNamed(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "seeds", "invalid.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Error string          `json:"error"`
		Seed  json.RawMessage `json:"seed"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.Error, func(t *testing.T) {
			t.Parallel()
			_, err := ParseSeed(tc.Seed)
			if err == nil || err.Error() != tc.Error {
				t.Errorf("ParseSeed error = %v\nwant %s", err, tc.Error)
			}
		})
	}
}

func TestParseSeedAcceptsTheContractExampleAndTheFixtures(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"contract_example.json", "conformance.json"} {
		loadSeed(t, name)
	}
	if s := DemoSeed(); len(s.Users) == 0 || len(s.Projects) != 1 {
		t.Errorf("demo seed: %d users, %d projects", len(s.Users), len(s.Projects))
	}
}

func TestParseSeedRejectsTrailingData(t *testing.T) {
	t.Parallel()
	if _, err := ParseSeed([]byte(`{} {}`)); err == nil {
		t.Error("ParseSeed accepted two documents")
	}
	if _, err := ParseSeed([]byte(`{`)); err == nil {
		t.Error("ParseSeed accepted a truncated document")
	}
}
