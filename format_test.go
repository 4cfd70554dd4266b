package shrinkscope_test

import (
	"testing"

	ss "github.com/shrinkscope/shrinkscope"
)

func TestGroupThousands(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "999": "999", "1000": "1,000", "1234567.5": "1,234,567.5", "-1234": "-1,234",
		"-999.25": "-999.25", "100000": "100,000", "12.": "12.",
	} {
		if got := ss.GroupThousands(in); got != want {
			t.Errorf("GroupThousands(%q) = %q, want %q", in, got, want)
		}
	}
}
