package operators

import (
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

func TestTumbleStart(t *testing.T) {
	ts := func(s string) types.Timestamp {
		tm, err := time.Parse("2006-01-02 15:04:05", s)
		if err != nil {
			t.Fatal(err)
		}
		return types.Timestamp(tm.UnixMicro())
	}
	h := types.Interval{Micros: tfHour}
	cases := []struct {
		in         types.Datum
		size, off  types.Interval
		want       types.Datum
		wantErrSub string
	}{
		{ts("2024-01-01 10:59:59"), h, types.Interval{}, ts("2024-01-01 10:00:00"), ""},
		{ts("2024-01-01 10:00:00"), h, types.Interval{}, ts("2024-01-01 10:00:00"), ""},
		{ts("2024-01-01 10:20:00"), h, types.Interval{Micros: 15 * types.MicrosPerMinute}, ts("2024-01-01 10:15:00"), ""},
		{ts("2024-01-01 10:10:00"), h, types.Interval{Micros: 15 * types.MicrosPerMinute}, ts("2024-01-01 09:15:00"), ""},
		{ts("1969-12-31 23:30:00"), h, types.Interval{}, ts("1969-12-31 23:00:00"), ""},
		{ts("2024-01-03 05:00:00"), types.Interval{Days: 2}, types.Interval{}, ts("2024-01-02 00:00:00"), ""}, // 1970-01-01 + k*2d: day 19724
		{types.Timestamptz(ts("2024-01-01 10:30:00")), h, types.Interval{}, types.Timestamptz(ts("2024-01-01 10:00:00")), ""},
		{types.Date(19723), types.Interval{Days: 7}, types.Interval{}, ts("2023-12-28 00:00:00"), ""}, // 2024-01-01 (a Monday); 1970-01-01 was a Thursday
		{nil, h, types.Interval{}, nil, ""},
		{ts("2024-01-01 10:00:00"), types.Interval{Months: 1}, types.Interval{}, nil, "months"},
		{ts("2024-01-01 10:00:00"), types.Interval{}, types.Interval{}, nil, "positive"},
	}
	for i, c := range cases {
		got, err := TumbleStart(c.in, c.size, c.off)
		if c.wantErrSub != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErrSub) {
				t.Errorf("case %d: err %v, want one about %q", i, err, c.wantErrSub)
			}
			continue
		}
		if err != nil {
			t.Errorf("case %d: %v", i, err)
			continue
		}
		if got != c.want {
			t.Errorf("case %d: TumbleStart(%v) = %v, want %v", i, types.FormatText(c.in), types.FormatText(got), types.FormatText(c.want))
		}
	}
}

func hopBuilder(slide, size, off int64) buildFunc {
	return func(*state.Store) (Node, error) {
		return NewHopWindow(HopWindowArgs{TimeCol: 1, Slide: types.Interval{Micros: slide}, Size: types.Interval{Micros: size},
			Offset: types.Interval{Micros: off}, InputTypes: []types.Type{types.Int64, types.TimestampT}})
	}
}

func TestHopScripts(t *testing.T) {
	m := types.MicrosPerMinute
	runTimeScripts(t, "testdata/window_hop.txt", map[string]buildFunc{
		"hop":    hopBuilder(15*m, 60*m, 0),
		"uneven": hopBuilder(20*m, 50*m, 5*m),
	})
}

func TestHopRejectsMonths(t *testing.T) {
	_, err := NewHopWindow(HopWindowArgs{TimeCol: 0, Slide: types.Interval{Months: 1}, Size: types.Interval{Months: 2}, InputTypes: []types.Type{types.TimestampT}})
	if err == nil || !strings.Contains(err.Error(), "months") {
		t.Fatalf("got %v", err)
	}
}

func TestEowcScripts(t *testing.T) {
	in := []types.Type{types.Int64, types.Int64}
	runTimeScripts(t, "testdata/window_eowc.txt", map[string]buildFunc{
		"sort": func(s *state.Store) (Node, error) {
			return NewEowcSort(EowcSortArgs{SortCol: 1, StreamKey: []int{0}, InputTypes: in, Store: s, Table: types.TableLayout{ID: 5, Name: "eowc"}})
		},
	})
}

func TestDedupScripts(t *testing.T) {
	in := []types.Type{types.Int64, types.Int64}
	runTimeScripts(t, "testdata/dedup.txt", map[string]buildFunc{
		"dedup": func(s *state.Store) (Node, error) {
			return NewAppendOnlyDedup(AppendOnlyDedupArgs{DedupCols: []int{0}, InputTypes: in, Store: s, Table: types.TableLayout{ID: 6, Name: "dedup"}})
		},
	})
}

func TestAddIntervalMonths(t *testing.T) {
	ts := func(s string) int64 {
		tm, err := time.Parse("2006-01-02 15:04:05", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMicro()
	}
	cases := []struct {
		from string
		iv   types.Interval
		want string
	}{
		{"2024-01-31 10:00:00", types.Interval{Months: 1}, "2024-02-29 10:00:00"},
		{"2024-03-31 00:00:00", types.Interval{Months: -1}, "2024-02-29 00:00:00"},
		{"2023-12-15 01:02:03", types.Interval{Months: 2, Days: 1, Micros: tfHour}, "2024-02-16 02:02:03"},
		{"1969-12-31 23:00:00", types.Interval{Months: -13}, "1968-11-30 23:00:00"},
		{"2024-05-31 00:00:00", types.Interval{Months: -3}, "2024-02-29 00:00:00"},
	}
	for _, c := range cases {
		if got := wtAddInterval(ts(c.from), c.iv); got != ts(c.want) {
			t.Errorf("%s + %+v = %s, want %s", c.from, c.iv, types.FormatText(types.Timestamp(got)), c.want)
		}
	}
}
