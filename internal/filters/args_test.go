package filters

import (
	"fmt"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	a, err := Parse([]string{"label=a", "Label=b=c", " name =x", "label!=d"}, "label", "label!", "name")
	if err != nil || strings.Join(a["label"], ",") != "a,b=c" || a["name"][0] != "x" || a["label!"][0] != "d" {
		t.Errorf("Parse = %v, %v", a, err)
	}
	for _, tc := range []struct{ in, want string }{
		{"noequals", `bad format of filter "noequals" (expected name=value)`},
		{"color=red", `invalid filter "color=red": invalid filter 'color': use label, name`},
		{"label!=x", `invalid filter 'label!'`},
	} {
		if _, err := Parse([]string{tc.in}, "label", "name"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
	if err := Invalid("dangling", "maybe", "use true or false"); err.Error() != "invalid filter 'dangling=maybe': use true or false" {
		t.Errorf("Invalid = %v", err)
	}
}

func TestVisit(t *testing.T) {
	t.Parallel()
	a, _ := Parse([]string{"label!=b", "name=x", "label=a"}, "label", "label!", "name")
	var got []string
	_ = a.Visit([]string{"name", "label", "label!"}, func(k, v string, negate bool) error {
		got = append(got, fmt.Sprintf("%s=%s/%v", k, v, negate))
		return nil
	})
	if strings.Join(got, " ") != "name=x/false label=a/false label=b/true" {
		t.Errorf("Visit: %v", got)
	}
}
