package main

import (
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/segments"
)

func parseServe(t *testing.T, vars map[string]string, args ...string) (*Config, error) {
	t.Helper()
	e := &env{getenv: envOf(vars), stdout: io.Discard, stderr: io.Discard}
	return parseConfig(flag.NewFlagSet("serve", flag.ContinueOnError), e, args, serveFlags...)
}

// Every segment economics field is a setting: with none given the
// configuration is kpi's defaults, each one set through the environment
// lands in its field, and a flag wins over the environment.
func TestSegmentSettings(t *testing.T) {
	t.Parallel()
	c, err := parseServe(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Weights and costs default to zero (kpi fills them); every other field
	// is set to kpi's default by its setting.
	got, want := c.Segments, segments.DefaultConfig()
	got.Weights, got.Costs = want.Weights, want.Costs
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults\n got %+v\nwant %+v", got, want)
	}

	vars := map[string]string{
		"SHRINKSCOPE_SEGMENT_HIGH_QUANTILE":           "0.8",
		"SHRINKSCOPE_SEGMENT_LOW_QUANTILE":            "0.3",
		"SHRINKSCOPE_SEGMENT_STAFFING_SHORT":          "0.7",
		"SHRINKSCOPE_SEGMENT_COSTS":                   "soc=1,checkout=2,detection=3",
		"SHRINKSCOPE_SEGMENT_OPERATOR_HOURLY":         "21",
		"SHRINKSCOPE_SEGMENT_HANDLING_SECONDS":        "120",
		"SHRINKSCOPE_SEGMENT_ANSWER_SECONDS":          "20",
		"SHRINKSCOPE_SEGMENT_SERVICE_LEVEL":           "0.95",
		"SHRINKSCOPE_SEGMENT_FLOOR_HOURLY":            "19",
		"SHRINKSCOPE_SEGMENT_RESPONDER_SHARE":         "0.6",
		"SHRINKSCOPE_SEGMENT_FLOOR_MINUTES":           "5",
		"SHRINKSCOPE_SEGMENT_TILL_HOURLY":             "13",
		"SHRINKSCOPE_SEGMENT_TILL_SHARE":              "0.5",
		"SHRINKSCOPE_SEGMENT_BLOCK_MINUTES":           "2.5",
		"SHRINKSCOPE_SEGMENT_FALSE_INTERVENTION_COST": "30",
		"SHRINKSCOPE_SEGMENT_FALSE_REACH":             "soc=0.3",
		"SHRINKSCOPE_SEGMENT_BLOCK_COST":              "4",
		"SHRINKSCOPE_SEGMENT_INSIGHT_REDUCTION":       "0.07",
		"SHRINKSCOPE_SEGMENT_DEFAULT_RECOVERY":        "soc=0.5,checkout=0.4",
		"SHRINKSCOPE_SEGMENT_DEFAULT_SELF_PAY":        "0.3",
		"SHRINKSCOPE_SEGMENT_DEFAULT_FALSE_SHARE":     "0.12",
		"SHRINKSCOPE_SEGMENT_DEFAULT_BLOCK_SHARE":     "0.2",
		"SHRINKSCOPE_SEGMENT_MIN_OWN":                 "30",
		"SHRINKSCOPE_SEGMENT_MIN_DATA_DAYS":           "21",
		"SHRINKSCOPE_SEGMENT_MIN_EVENTS":              "15",
	}
	c, err = parseServe(t, vars, "--segment-till-share", "0.55")
	if err != nil {
		t.Fatal(err)
	}
	want = segments.Config{
		HighQuantile: 0.8, LowQuantile: 0.3, StaffingShort: 0.7, Costs: segments.ModelCosts{SOC: 1, Checkout: 2, Detection: 3},
		OperatorHourly: 21, HandlingSeconds: 120, AnswerSeconds: 20, ServiceLevel: 0.95,
		FloorHourly: 19, ResponderShare: 0.6, FloorMinutes: 5, TillHourly: 13, TillShare: 0.55, BlockMinutes: 2.5,
		FalseInterventionCost: 30, FalseReach: map[ss.OperatingModel]float64{ss.ModelSOC: 0.3}, BlockCost: 4,
		InsightReduction: 0.07, DefaultRecovery: map[ss.OperatingModel]float64{ss.ModelSOC: 0.5, ss.ModelCheckout: 0.4},
		DefaultSelfPay: 0.3, DefaultFalseShare: 0.12, DefaultBlockShare: 0.2, MinOwn: 30, MinDataDays: 21, MinEvents: 15,
	}
	if !reflect.DeepEqual(c.Segments, want) {
		t.Errorf("from the environment\n got %+v\nwant %+v", c.Segments, want)
	}
	// The table --help prints lists every segment setting with its default.
	var help strings.Builder
	e := &env{getenv: envOf(nil), stdout: io.Discard, stderr: &help}
	if _, err := parseConfig(flag.NewFlagSet("serve", flag.ContinueOnError), e, []string{"--help"}, serveFlags...); err == nil {
		t.Error("--help returned no error")
	}
	for k := range vars {
		if !strings.Contains(help.String(), k) {
			t.Errorf("serve --help lacks %s", k)
		}
	}
	for _, line := range []string{"SHRINKSCOPE_SEGMENT_RESPONDER_SHARE 0.8", "SHRINKSCOPE_SEGMENT_FALSE_REACH soc=0.2,checkout=1", "SHRINKSCOPE_SEGMENT_MIN_DATA_DAYS 28"} {
		if !strings.Contains(strings.Join(strings.Fields(help.String()), " "), line) {
			t.Errorf("serve --help lacks %q:\n%s", line, help.String())
		}
	}
}

// A bad value fails at start naming the variable (or flag) it came from,
// including a range that depends on another setting.
func TestSegmentSettingsValidated(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		vars map[string]string
		args []string
		want []string
	}{
		{map[string]string{"SHRINKSCOPE_SEGMENT_SERVICE_LEVEL": "1.5"}, nil,
			[]string{"environment variable SHRINKSCOPE_SEGMENT_SERVICE_LEVEL", "between 0.01 and 0.999"}},
		{nil, []string{"--segment-responder-share", "2"}, []string{"--segment-responder-share", "between 0 and 1"}},
		{map[string]string{"SHRINKSCOPE_SEGMENT_TILL_HOURLY": "cheap"}, nil, []string{"SHRINKSCOPE_SEGMENT_TILL_HOURLY", "want a number"}},
		{map[string]string{"SHRINKSCOPE_SEGMENT_OPERATOR_HOURLY": "0"}, nil, []string{"SHRINKSCOPE_SEGMENT_OPERATOR_HOURLY", "0 would mean the default (20)"}},
		{map[string]string{"SHRINKSCOPE_SEGMENT_MIN_DATA_DAYS": "2.5"}, nil, []string{"SHRINKSCOPE_SEGMENT_MIN_DATA_DAYS", "whole number"}},
		{map[string]string{"SHRINKSCOPE_SEGMENT_FALSE_REACH": "soc=1.2"}, nil, []string{"SHRINKSCOPE_SEGMENT_FALSE_REACH", "segments.false_reach.soc"}},
		{map[string]string{"SHRINKSCOPE_SEGMENT_DEFAULT_RECOVERY": "detection=0.1"}, nil, []string{"SHRINKSCOPE_SEGMENT_DEFAULT_RECOVERY", "unknown key"}},
		{map[string]string{"SHRINKSCOPE_SEGMENT_COSTS": "soc=-5"}, nil, []string{"environment variable SHRINKSCOPE_SEGMENT_COSTS", "segments.costs.soc"}},
		// Low must not pass high: the value at fault is the default low.
		{map[string]string{"SHRINKSCOPE_SEGMENT_HIGH_QUANTILE": "0.3"}, nil, []string{`SHRINKSCOPE_SEGMENT_LOW_QUANTILE (default "0.4")`, "between 0 and 0.3"}},
	} {
		_, err := parseServe(t, c.vars, c.args...)
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%v %v: error %v, want it to contain %q", c.vars, c.args, err, w)
			}
		}
	}
}
