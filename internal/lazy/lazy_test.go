package lazy

import "testing"

func TestRegexp(t *testing.T) {
	re := Regexp(`^a(b+)$`)
	if m := re().FindStringSubmatch("abb"); m == nil || m[1] != "bb" {
		t.Fatalf("got %q", m)
	}
	if re() != re() {
		t.Fatal("compiled twice")
	}
}

func TestValue(t *testing.T) {
	n := 0
	v := Value(func() map[string]int { n++; return map[string]int{"a": 1} })
	if v()["a"] != 1 || v()["a"] != 1 || n != 1 {
		t.Fatalf("built %d times", n)
	}
}
