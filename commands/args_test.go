package commands

import (
	"strings"
	"testing"
)

func TestNormalizeArgsCanonicalFlags(t *testing.T) {
	t.Parallel()
	app := NewApp("skiff")
	for _, tc := range []struct{ in, want string }{
		{"skiff import -c A --change B f.tar", "skiff import --change A --change B f.tar"},
		{"skiff import f.tar -c=A repo", "skiff import --change A f.tar repo"},
		{"skiff images -q -a --filter x", "skiff images --quiet --all --filter x"},
		{"skiff images -qa", "skiff images --quiet --all"},
		{"skiff image ls -f dangling=true", "skiff image ls --filter dangling=true"},
		{"skiff rmi a -f", "skiff rmi --force a"},
		{"skiff pull --quiet x", "skiff pull --quiet x"},
		{"skiff run -e A --env B img sh -e -c x", "skiff run --env A --env B img sh -e -c x"},
		{"skiff run -it -e A img", "skiff run --interactive --tty --env A img"},
		{"skiff run -dp8080:80 -eA=1 -w/tmp img sh -c x", "skiff run --detach --publish 8080:80 --env A=1 --workdir /tmp img sh -c x"},
		{"skiff run -dp 80 -it=false img", "skiff run --detach --publish 80 --interactive --tty=false img"},
		{"skiff stop -t0 c", "skiff stop --time 0 c"},
		{"skiff logs -fn1 c", "skiff logs --follow --tail 1 c"},
		{"skiff run -iz img", "skiff run -iz img"},
		{"skiff network create n --subnet 10.9.0.0/24", "skiff network create --subnet 10.9.0.0/24 n"},
		{"skiff run -p 80 img sh -p", "skiff run --publish 80 img sh -p"},
	} {
		got := strings.Join(normalizeArgs(app, strings.Fields(tc.in)), " ")
		if got != tc.want {
			t.Errorf("normalizeArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
		// Run's app, whose commands are built as the words select them
		got = strings.Join(normalizeArgs(newApp("skiff"), strings.Fields(tc.in)), " ")
		if got != tc.want {
			t.Errorf("normalizeArgs(%q), lazy app = %q, want %q", tc.in, got, tc.want)
		}
	}
}
