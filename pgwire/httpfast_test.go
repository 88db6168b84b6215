package pgwire

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"
)

// appendJSONString must escape exactly as encoding/json does.
func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\back`, "<a href='x'>&</a>", "tab\tnl\ncr\r\x00\x01\x1f\x7f",
		"é ü 日本 😀", "bad \xff utf8 \xc3", "line\u2028sep\u2029", "\b\f"} {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("a<b>\"\\\u2028\xff")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	})
}

// parseQuery must keep the pairs url.ParseQuery keeps.
func TestParseQuery(t *testing.T) {
	for _, raw := range []string{"", "k=1", "k=1&v=2", "a+b=c+d&e%20f=%41", "k", "k=", "&&k=1&", "k=1;v=2&x=3",
		"k=%zz&v=1", "%zz=1&v=2", "k=1&k=2", "=1", "k=a=b"} {
		want, _ := url.ParseQuery(raw)
		got := url.Values{}
		for _, p := range parseQuery(nil, raw) {
			got[p.name] = append(got[p.name], p.value)
		}
		if len(got) != len(want) {
			t.Errorf("parseQuery(%q) = %v, want %v", raw, got, want)
			continue
		}
		for k, vs := range want {
			if !slices.Equal(got[k], vs) {
				t.Errorf("parseQuery(%q) = %v, want %v", raw, got, want)
			}
		}
	}
}
