package errdefs

import "testing"

func TestLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain message\n":          "plain message",
		"invalid value \"/\n\": x": `invalid value "/\n": x`,
		"a\r\nb\x1b[31mc\td\x7f":   `a\r\nb\x1b[31mc` + "\t" + `d\x7f`,
		"héllo, wörld":             "héllo, wörld",
	} {
		if got := Line(in); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
}
