package e2e

import (
	"compress/gzip"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestImport(t *testing.T) {
	t.Parallel()
	e := New(t)
	tarball := rootfsTar(e, "rootfs.tar", map[string]string{"etc/hello": "world\n"})

	r := e.Skiff("import", "-m", "first import",
		"--change", `CMD ["/bin/app", "-x"]`, "--change", "ENV A=1 B=two", "-c", "EXPOSE 8080/tcp 53/udp",
		"-c", "WORKDIR /srv", "-c", "USER nobody", "-c", "LABEL a=b", "-c", "VOLUME /data", "-c", `ENTRYPOINT ["/bin/tini"]`,
		tarball, "imported:v1").Success(t)
	if !regexp.MustCompile(`^sha256:[0-9a-f]{64}$`).MatchString(r.Out()) {
		t.Errorf("import printed %q", r.Stdout)
	}
	f := e.Skiff("image", "inspect", "--format",
		"{{json .Config.Cmd}}|{{json .Config.Env}}|{{json .Config.ExposedPorts}}|{{.Config.WorkingDir}}|{{.Config.User}}|{{.Config.Labels.a}}|{{json .Config.Volumes}}|{{json .Config.Entrypoint}}|{{.Comment}}",
		"imported:v1").Success(t).Out()
	want := `["/bin/app","-x"]|["A=1","B=two"]|{"53/udp":{},"8080/tcp":{}}|/srv|nobody|b|{"/data":{}}|["/bin/tini"]|first import`
	if f != want {
		t.Errorf("imported config:\n got %s\nwant %s", f, want)
	}
	if h := e.Skiff("history", "--format", "{{.Comment}}", "imported:v1").Success(t).Out(); h != "first import" {
		t.Errorf("history comment %q", h)
	}

	// from standard input, compressed, no name
	gz := e.WriteFile("rootfs.tar.gz", "")
	gzipFile(t, tarball, gz)
	in, _ := os.Open(gz)
	defer in.Close()
	r = e.SkiffStdin(in, "import", "-").Success(t)
	if h := e.Skiff("history", "--format", "{{.Comment}}", strings.TrimPrefix(r.Out(), "sha256:")).Success(t).Out(); h != "Imported from -" {
		t.Errorf("stdin import comment %q", h)
	}
	if got := imageNames(e); !strings.Contains(got, "<none>:<none>") {
		t.Errorf("images = %q", got)
	}
}

func gzipFile(t *testing.T, src, dst string) {
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	w := gzip.NewWriter(f)
	_, _ = w.Write(b)
	_ = w.Close()
	_ = f.Close()
}

func TestImportFromURL(t *testing.T) {
	t.Parallel()
	e := New(t)
	tarball := rootfsTar(e, "rootfs.tar", map[string]string{"etc/u": "url"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/rootfs.tar" {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, tarball)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	url := "http://" + ln.Addr().String()

	e.Skiff("import", url+"/rootfs.tar", "fromurl").Success(t)
	if h := e.Skiff("history", "--format", "{{.Comment}}", "fromurl").Success(t).Out(); h != "Imported from "+url+"/rootfs.tar" {
		t.Errorf("comment %q", h)
	}
	oneErrorLine(t, e.Skiff("import", url+"/missing.tar"), "404")
}

func TestImportErrors(t *testing.T) {
	t.Parallel()
	e := New(t)
	good := rootfsTar(e, "good.tar", map[string]string{"etc/a": strings.Repeat("a", 4000)})
	b, _ := os.ReadFile(good)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{e.WriteFile("trunc.tar", string(b[:len(b)/2]))}, "truncated"},
		{[]string{e.WriteFile("garbage.tar", "garbage\n")}, "not a tar archive"},
		{[]string{"missing.tar"}, "no such file"},
		{[]string{"-c", "RUN echo", good}, "RUN is not allowed"},
		{[]string{"-c", "EXPOSE http", good}, "invalid port"},
		{[]string{good, "Bad:Name"}, "invalid reference format"},
		{[]string{good, "x@sha256:7f462690d9eeeea8f8f31653e38cd53db13d0446be5cc8ac38c3ab8c9ef2e574"}, "digest"},
		{[]string{"http://127.0.0.1:1/x.tar"}, "importing http://127.0.0.1:1/x.tar"},
	} {
		oneErrorLine(t, e.Skiff(append([]string{"import"}, tc.args...)...), tc.want)
	}
	oneErrorLine(t, e.SkiffStdin(strings.NewReader(""), "import", "-"), "not a tar archive")
	noImages(e)
}
