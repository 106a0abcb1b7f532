package e2e

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Every instruction of a single stage, docker's classic output, the
// image's configuration as `run` and `inspect` see it, history, and no
// container left.
func TestBuildInstructions(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	ctx := buildContext(e, "ctx", map[string]string{
		"Dockerfile": `# a comment
ARG BASE=busybox
FROM $BASE
LABEL org.example.name="app" version=1
MAINTAINER someone@example.com
ENV GREETING=hello \
    TARGET=world
ARG WHO=nobody
WORKDIR /app
COPY --chmod=0755 hello.sh bin/
COPY data/ ./data/
RUN echo "$GREETING $TARGET from $WHO" > /app/greeting && adduser -D -u 1234 app 2>/dev/null || echo 'app:x:1234:1234::/home/app:/bin/sh' >> /etc/passwd
RUN ["/bin/sh", "-c", "echo exec form > /app/exec"]
SHELL ["/bin/sh", "-ec"]
RUN test "$(cat /app/greeting)" = "hello world from builder"
USER 1234
EXPOSE 8080 9000-9001/udp
VOLUME /data
STOPSIGNAL SIGINT
ENTRYPOINT ["/app/bin/hello.sh"]
CMD ["arg1"]
`,
		"hello.sh":   "#!/bin/sh\necho \"$GREETING $TARGET: $* as $(id -u) in $(pwd)\"\ncat /app/greeting /app/data/x\n",
		"data/x":     "x-data\n",
		"data/sub/y": "y\n",
	})
	r := e.Skiff("build", "--build-arg", "WHO=builder", "-t", "app:v1", "-t", "app2", ctx).Success(t)
	steps := buildSteps(r.Stdout)
	if len(steps) != 18 || steps[0] != "Step 1/18 : FROM $BASE" || steps[17] != `Step 18/18 : CMD ["arg1"]` {
		t.Fatalf("steps:\n%s", r.Stdout)
	}
	for _, want := range []string{"\n ---> Running in ", "Removing intermediate container ", "Successfully built ", "Successfully tagged app:v1\n", "Successfully tagged app2:latest\n"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.Stdout)
		}
	}
	out := e.Skiff("run", "--rm", "app:v1", "x").Success(t).Out()
	if want := "hello world: x as 1234 in /app\nhello world from builder\nx-data"; out != want {
		t.Errorf("run = %q, want %q", out, want)
	}
	cfg := inspectImage(e, "app:v1")["Config"].(map[string]any)
	for k, want := range map[string]string{
		"User": `"1234"`, "WorkingDir": `"/app"`, "StopSignal": `"SIGINT"`, "Entrypoint": `["/app/bin/hello.sh"]`,
		"Cmd": `["arg1"]`, "Volumes": `{"/data":{}}`, "ExposedPorts": `{"8080/tcp":{},"9000/udp":{},"9001/udp":{}}`,
		"Labels": `{"org.example.name":"app","version":"1"}`,
	} {
		got, _ := json.Marshal(cfg[k])
		if string(got) != want {
			t.Errorf("Config.%s = %s, want %s", k, got, want)
		}
	}
	if env := fmt.Sprint(cfg["Env"]); !strings.Contains(env, "GREETING=hello") || strings.Contains(env, "WHO=") {
		t.Errorf("Config.Env = %s (ARGs must not be in it)", env)
	}
	if got := e.Skiff("image", "inspect", "--format", "{{.Author}}", "app:v1").Success(t).Out(); got != "someone@example.com" {
		t.Errorf("Author = %q", got)
	}
	hist := e.Skiff("history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Size}}", "app:v1").Success(t).Lines()
	if !strings.HasPrefix(hist[0], `CMD ["arg1"]|0B`) || !strings.Contains(strings.Join(hist, "\n"), "RUN |1 WHO=builder /bin/sh -c echo") {
		t.Errorf("history:\n%s", strings.Join(hist, "\n"))
	}
	// intermediate images are hidden, -a shows them
	if n := len(e.Skiff("images", "-q").Success(t).Lines()); n != 3 {
		t.Errorf("images lists %d rows, want app:v1, app2 and busybox", n)
	}
	if n := len(e.Skiff("images", "-aq").Success(t).Lines()); n < 10 {
		t.Errorf("images -a lists %d images, want the steps too", n)
	}
	noBuildLeftovers(t, e)
}

// The layer cache: a rebuild reuses every step; changing the last COPY's
// file reruns only that step; build args in scope and --no-cache miss;
// image prune keeps the cache of a tagged image's steps.
func TestBuildCache(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	ctx := buildContext(e, "ctx", map[string]string{
		"Dockerfile": "FROM busybox\nARG V=1\nRUN echo $V > /v\nCOPY a /a\nRUN cat /a /v > /av\nCOPY b /b\nCMD [\"cat\", \"/av\", \"/b\"]\n",
		"a":          "a1\n",
		"b":          "b1\n",
	})
	first := e.Skiff("build", "-t", "c", ctx).Success(t)
	if n := cacheHits(first.Stdout); n != 0 {
		t.Fatalf("first build hit the cache %d times", n)
	}
	id1 := imageID(e, "c")
	again := e.Skiff("build", "-t", "c", ctx).Success(t)
	if n := cacheHits(again.Stdout); n != 5 || strings.Contains(again.Stdout, "Running in") {
		t.Errorf("rebuild: %d cache hits, want 5 (ARG prints none):\n%s", n, again.Stdout)
	}
	if imageID(e, "c") != id1 {
		t.Error("a fully cached rebuild made another image")
	}
	e.WriteFile("ctx/b", "b2\n")
	last := e.Skiff("build", "-t", "c", ctx).Success(t)
	if n := cacheHits(last.Stdout); n != 3 || strings.Contains(last.Stdout, "Running in") {
		t.Errorf("last COPY changed: %d cache hits, want 3, and no RUN:\n%s", n, last.Stdout)
	}
	if got := e.Skiff("run", "--rm", "c").Success(t).Out(); got != "a1\n1\nb2" {
		t.Errorf("run = %q", got)
	}
	arg := e.Skiff("build", "--build-arg", "V=2", "-t", "c", ctx).Success(t)
	if n := cacheHits(arg.Stdout); n != 0 { // the first RUN sees V: it and every later step miss
		t.Errorf("--build-arg V=2: %d cache hits, want 0:\n%s", n, arg.Stdout)
	}
	none := e.Skiff("build", "--no-cache", "-t", "c", ctx).Success(t)
	if n := cacheHits(none.Stdout); n != 0 {
		t.Errorf("--no-cache hit the cache %d times", n)
	}
	e.Skiff("build", "-t", "c", ctx).Success(t)
	e.Skiff("image", "prune", "-f").Success(t)
	after := e.Skiff("build", "-t", "c", ctx).Success(t)
	if n := cacheHits(after.Stdout); n != 5 {
		t.Errorf("after image prune: %d cache hits, want 5:\n%s", n, after.Stdout)
	}
	e.Skiff("rmi", "c").Success(t)
	e.Skiff("image", "prune", "-f").Success(t)
	if got := e.Skiff("images", "-aq").Success(t).Lines(); len(got) != 1 {
		t.Errorf("after rmi and prune, images -a = %v, want only busybox", got)
	}
	noBuildLeftovers(t, e)
}

// .dockerignore with exceptions: ignored files are not sent (COPY . and
// a named COPY), exceptions are, and the Dockerfile still is.
func TestBuildDockerignore(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	ctx := buildContext(e, "ctx", map[string]string{
		"Dockerfile":               "FROM busybox\nCOPY . /src/\nRUN cd /src && find . -type f | sort > /files\nCMD [\"cat\", \"/files\"]\n",
		".dockerignore":            "Dockerfile\n*.log\nnode_modules\nsecrets/*\n!secrets/public.pem\n**/*.tmp\n",
		"app.py":                   "print(1)\n",
		"debug.log":                "x",
		"node_modules/big/file.js": "x",
		"secrets/key.pem":          "private",
		"secrets/public.pem":       "public",
		"lib/a.tmp":                "x",
		"lib/a.py":                 "a",
	})
	e.Skiff("build", "-t", "ign", ctx).Success(t)
	got := e.Skiff("run", "--rm", "ign").Success(t).Out()
	if want := "./.dockerignore\n./app.py\n./lib/a.py\n./secrets/public.pem"; got != want {
		t.Errorf("files sent:\n%s\nwant:\n%s", got, want)
	}
	e.WriteFile("ctx/Dockerfile.two", "FROM busybox\nCOPY debug.log /\n")
	buildFails(t, e.Skiff("build", "-f", filepath.Join(ctx, "Dockerfile.two"), ctx),
		"file not found in build context or excluded by .dockerignore: debug.log")
}

// Multi-stage: only the stages the target needs are built (a broken
// unused stage does not fail the build), COPY --from by name, index and
// image, --target, and the final image holds only the built binary.
func TestBuildMultiStage(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	ctx := buildContext(e, "ctx", map[string]string{
		"Dockerfile": `FROM busybox AS build
COPY src.txt /src/
RUN mkdir -p /out && { echo '#!/bin/sh'; echo "echo built from $(cat /src/src.txt)"; } > /out/app && chmod 755 /out/app
FROM busybox AS broken
RUN echo this stage is not needed && exit 1
FROM busybox AS other
RUN echo other > /other
FROM scratch
COPY --from=build /out/app /app
COPY --from=2 /other /other
COPY --from=busybox /bin/busybox /bin/sh
ENTRYPOINT ["/bin/sh", "/app"]
`,
		"src.txt": "the source\n",
	})
	r := e.Skiff("build", "-t", "ms", ctx).Success(t)
	if strings.Contains(r.Stdout, "this stage is not needed") {
		t.Errorf("an unused stage was built:\n%s", r.Stdout)
	}
	if got := e.Skiff("run", "--rm", "ms").Success(t).Out(); got != "built from the source" {
		t.Errorf("run = %q", got)
	}
	// only /app, /other and /bin/sh: three layers of the final image
	if got := e.Skiff("image", "inspect", "--format", "{{len .RootFS.Layers}}", "ms").Success(t).Out(); got != "3" {
		t.Errorf("layers of the final image: %s", got)
	}
	e.Skiff("build", "--target", "other", "-t", "other", ctx).Success(t)
	if got := e.Skiff("run", "--rm", "other", "cat", "/other").Success(t).Out(); got != "other" {
		t.Errorf("--target other: %q", got)
	}
	buildFails(t, e.Skiff("build", "--target", "broken", ctx), "returned a non-zero code: 1")
	buildFails(t, e.Skiff("build", "--target", "nosuch", ctx), `target stage "nosuch" could not be found`)
	noBuildLeftovers(t, e)
}

// ONBUILD triggers run when the image is a later build's base;
// HEALTHCHECK, ONBUILD and SHELL survive in the default docker format and
// run honours the image's health check; --format oci drops them.
func TestBuildOnbuildHealthcheck(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	base := buildContext(e, "base", map[string]string{
		"Dockerfile": "FROM busybox\nSHELL [\"/bin/sh\", \"-c\"]\nONBUILD COPY trigger.txt /trigger.txt\nONBUILD RUN echo triggered >> /trigger.txt\n" +
			"HEALTHCHECK --interval=200ms --retries=2 CMD test -f /tmp/healthy\n",
	})
	e.Skiff("build", "-t", "onbase", base).Success(t)
	if got := e.Skiff("image", "inspect", "--format", "{{json .Config.OnBuild}} {{json .Config.Shell}}", "onbase").Success(t).Out(); got != `["COPY trigger.txt /trigger.txt","RUN echo triggered \u003e\u003e /trigger.txt"] ["/bin/sh","-c"]` &&
		got != `["COPY trigger.txt /trigger.txt","RUN echo triggered >> /trigger.txt"] ["/bin/sh","-c"]` {
		t.Errorf("OnBuild and Shell: %s", got)
	}
	child := buildContext(e, "child", map[string]string{"Dockerfile": "FROM onbase\nCMD [\"cat\", \"/trigger.txt\"]\n", "trigger.txt": "from the child\n"})
	r := e.Skiff("build", "-t", "onchild", child).Success(t)
	if !strings.Contains(r.Stdout, "# Executing 2 build triggers") {
		t.Errorf("output:\n%s", r.Stdout)
	}
	if got := e.Skiff("run", "--rm", "onchild").Success(t).Out(); got != "from the child\ntriggered" {
		t.Errorf("run = %q", got)
	}
	if got := e.Skiff("image", "inspect", "--format", "{{len .Config.OnBuild}}", "onchild").Success(t).Out(); got != "0" {
		t.Errorf("triggers stay in the child: %s", got)
	}
	id := e.Skiff("run", "-d", "onchild", "sh", "-c", "touch /tmp/healthy; sleep 60").Success(t).Out()
	waitUntil(t, 20*time.Second, "the built image's health check to pass", func() bool {
		return inspectField(e, id, "{{.State.Health.Status}}") == "healthy"
	})
	e.Skiff("rm", "-f", id).Success(t)
	e.Skiff("build", "--format", "oci", "-t", "onoci", base).Success(t)
	if got := e.Skiff("image", "inspect", "--format", "{{.Config.Healthcheck}} {{len .Config.OnBuild}}", "onoci").Success(t).Out(); got != "<nil> 0" {
		t.Errorf("--format oci keeps %s", got)
	}
}

// Secrets are readable by RUN and absent from every layer and from the
// history; RUN --mount=type=cache keeps its content between builds.
func TestBuildSecretAndCacheMount(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	secret := e.WriteFile("token.txt", "s3cr3t-v4lu3-xyz")
	ctx := buildContext(e, "ctx", map[string]string{
		"Dockerfile": "FROM busybox\n" +
			"RUN --mount=type=secret,id=tok test \"$(wc -c < /run/secrets/tok)\" -eq 16 && grep -q xyz /run/secrets/tok && echo used > /used\n" +
			"RUN --mount=type=secret,id=tok,target=/etc/tok.txt wc -c /etc/tok.txt > /count\n" +
			"RUN --mount=type=cache,target=/cache echo run >> /cache/runs && wc -l < /cache/runs > /runs\n",
	})
	e.Skiff("build", "--secret", "id=tok,src="+secret, "-t", "sec", ctx).Success(t)
	if got := e.Skiff("run", "--rm", "sec", "sh", "-c", "cat /used /count /runs; ls /run/secrets /etc/tok.txt 2>&1; ls /cache | wc -l").Success(t).Out(); !strings.HasPrefix(got, "used\n16 /etc/tok.txt\n1\n") ||
		!strings.Contains(got, "No such file") || !strings.HasSuffix(got, "\n0") {
		t.Errorf("in the image:\n%s", got)
	}
	save := filepath.Join(e.Dir, "sec.tar")
	e.Skiff("save", "-o", save, "sec").Success(t)
	if n := grepTar(t, save, "s3cr3t-v4lu3-xyz"); n != 0 {
		t.Errorf("the secret is in %d files of the saved image", n)
	}
	if h := e.Skiff("history", "--no-trunc", "sec").Success(t).Out(); strings.Contains(h, "s3cr3t") {
		t.Errorf("the secret is in the history:\n%s", h)
	}
	e.Skiff("build", "--no-cache", "--secret", "id=tok,src="+secret, "-t", "sec", ctx).Success(t)
	if got := e.Skiff("run", "--rm", "sec", "cat", "/runs").Success(t).Out(); got != "2" {
		t.Errorf("the cache mount did not keep its content: %s runs", got)
	}
	buildFails(t, e.Skiff("build", "--no-cache", ctx), "returned a non-zero code: 2") // tok is not required: RUN finds no file
	noBuildLeftovers(t, e)
}

// grepTar counts the files of a tar (and of tars inside it) holding s.
func grepTar(t *testing.T, path, s string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return grepTarReader(t, f, []byte(s))
}

func grepTarReader(t *testing.T, r io.Reader, s []byte) int {
	n := 0
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err != nil {
			return n
		}
		data, _ := io.ReadAll(tr)
		if bytes.Contains(data, s) || strings.Contains(h.Name, string(s)) {
			n++
		}
		if strings.HasSuffix(h.Name, ".tar") || strings.HasSuffix(h.Name, "/layer.tar") || len(data) > 512 && bytes.Equal(data[257:262], []byte("ustar")) {
			n += grepTarReader(t, bytes.NewReader(data), s)
		}
	}
}

// ADD unpacks local archives and downloads URLs (checked with
// --checksum); COPY never unpacks; contexts come from a tar on stdin, a
// tar file, and the Dockerfile from stdin.
func TestBuildAddAndContexts(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	var archive bytes.Buffer
	tw := tar.NewWriter(&archive)
	tw.WriteHeader(&tar.Header{Name: "pkg/", Typeflag: tar.TypeDir, Mode: 0o755})
	tw.WriteHeader(&tar.Header{Name: "pkg/file.txt", Typeflag: tar.TypeReg, Mode: 0o644, Size: 8})
	tw.Write([]byte("unpacked"))
	tw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "downloaded\n") }))
	defer srv.Close()
	sum := "sha256:" + fmt.Sprintf("%x", sha256Sum("downloaded\n"))
	ctx := buildContext(e, "ctx", map[string]string{
		"Dockerfile": "FROM busybox\nADD pkg.tar /opt/\nCOPY pkg.tar /copied/\nADD --checksum=" + sum + " " + srv.URL + "/files/remote.txt /dl/\n" +
			"RUN cat /opt/pkg/file.txt /dl/remote.txt && ls /copied && stat -c %a /dl/remote.txt\n",
		"pkg.tar": archive.String(),
	})
	r := e.Skiff("build", "-t", "add", ctx).Success(t)
	if !strings.Contains(r.Stdout, "unpackeddownloaded\npkg.tar\n600\n") {
		t.Errorf("output:\n%s", r.Stdout)
	}
	bad := buildContext(e, "bad", map[string]string{"Dockerfile": "FROM busybox\nADD --checksum=sha256:0000 " + srv.URL + "/x /x\n"})
	buildFails(t, e.Skiff("build", bad), "checksum mismatch")

	// a tar context on stdin, with the Dockerfile in it
	var tarCtx bytes.Buffer
	tw = tar.NewWriter(&tarCtx)
	for name, body := range map[string]string{"Dockerfile": "FROM busybox\nCOPY msg /msg\nCMD [\"cat\", \"/msg\"]\n", "msg": "from a tar\n"} {
		tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))})
		tw.Write([]byte(body))
	}
	tw.Close()
	e.SkiffStdin(bytes.NewReader(tarCtx.Bytes()), "build", "-t", "fromtar", "-").Success(t)
	if got := e.Skiff("run", "--rm", "fromtar").Success(t).Out(); got != "from a tar" {
		t.Errorf("tar on stdin: %q", got)
	}
	tarFile := e.WriteFile("ctx.tar", tarCtx.String())
	e.Skiff("build", "-q", "-t", "fromtarfile", tarFile).Success(t)
	// the Dockerfile on stdin, the context a directory
	e.SkiffStdin(strings.NewReader("FROM busybox\nCOPY pkg.tar /\n"), "build", "-f", "-", "-t", "dfstdin", ctx).Success(t)
	e.Skiff("run", "--rm", "dfstdin", "test", "-f", "/pkg.tar").Success(t)
	noBuildLeftovers(t, e)
}

// -q and --progress quiet print only the id; --iidfile writes it; a
// built image pushes to a registry and pulls back.
func TestBuildQuietAndPush(t *testing.T) {
	Require(t, "busybox", "registry")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	e.RegistriesConf("")
	ctx := buildContext(e, "ctx", map[string]string{"Dockerfile": "FROM busybox\nRUN echo pushed > /p\nCMD [\"cat\", \"/p\"]\n"})
	iid := filepath.Join(e.Dir, "iid")
	out := e.Skiff("build", "-q", "--iidfile", iid, "-t", "q", ctx).Success(t).Out()
	if !regexp.MustCompile(`^sha256:[0-9a-f]{64}$`).MatchString(out) {
		t.Errorf("-q printed %q", out)
	}
	if b, _ := os.ReadFile(iid); string(b) != out {
		t.Errorf("--iidfile holds %q, -q printed %q", b, out)
	}
	if got := e.Skiff("build", "--progress", "quiet", ctx).Success(t).Out(); got != out {
		t.Errorf("--progress quiet printed %q", got)
	}
	ref := repoFor(t, Registry(t).Addr) + ":built"
	e.Skiff("tag", "q", ref).Success(t)
	e.Skiff("push", ref).Success(t)
	e.Skiff("rmi", "q", ref).Success(t)
	e.Skiff("pull", "-q", ref).Success(t)
	if got := e.Skiff("run", "--rm", ref).Success(t).Out(); got != "pushed" {
		t.Errorf("pulled back: %q", got)
	}
}

// An nginx-like image: busybox httpd serving a COPY'd index.html,
// published with -p.
func TestBuildWebServer(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	ctx := buildContext(e, "ctx", map[string]string{
		"Dockerfile": "FROM busybox\nCOPY index.html /www/\nEXPOSE 80\nCMD [\"httpd\", \"-f\", \"-p\", \"80\", \"-h\", \"/www\"]\n",
		"index.html": "<h1>built by skiff</h1>\n",
	})
	e.Skiff("build", "-t", "web", ctx).Success(t)
	name := netName(t, "web")
	e.Skiff("run", "-d", "--name", name, "-p", "127.0.0.1::80", "web").Success(t)
	defer e.Skiff("rm", "-f", name)
	port := netHostPort(e, name, "80")
	var body string
	waitUntil(t, 10*time.Second, "the server to answer", func() bool {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		return resp.StatusCode == 200
	})
	if body != "<h1>built by skiff</h1>\n" {
		t.Errorf("served %q", body)
	}
}

// A Python app that installs its requirements with RUN from Debian's
// mirror (through the default network, rootless too), then copies its
// code: a code change rebuilds only the last COPY.
func TestBuildPythonApp(t *testing.T) {
	Require(t, "debian", "slow")
	t.Parallel()
	e := New(t)
	e.LoadDebian()
	ctx := buildContext(e, "ctx", map[string]string{
		"Dockerfile": "FROM debian:bookworm\nENV DEBIAN_FRONTEND=noninteractive PYTHONUNBUFFERED=1\nWORKDIR /app\n" +
			"COPY requirements.txt .\n" +
			"RUN apt-get update && apt-get install -y --no-install-recommends $(cat requirements.txt) && rm -rf /var/lib/apt/lists/*\n" +
			"COPY app.py .\nCMD [\"python3\", \"app.py\"]\n",
		"requirements.txt": "python3-minimal\n",
		"app.py":           "import sys\nprint('hello from python', sys.version_info[0])\n",
	})
	e.Skiff("build", "-t", "pyapp", ctx).Success(t)
	if got := e.Skiff("run", "--rm", "pyapp").Success(t).Out(); got != "hello from python 3" {
		t.Errorf("run = %q", got)
	}
	e.WriteFile("ctx/app.py", "print('version two')\n")
	r := e.Skiff("build", "-t", "pyapp", ctx).Success(t)
	if n := cacheHits(r.Stdout); n != 4 || strings.Contains(r.Stdout, "Running in") {
		t.Errorf("code change: %d cache hits, want 4 and no RUN:\n%s", n, r.Stdout)
	}
	if got := e.Skiff("run", "--rm", "pyapp").Success(t).Out(); got != "version two" {
		t.Errorf("run = %q", got)
	}
	noBuildLeftovers(t, e)
}

// Flags as users type them: image build and buildx build, --label,
// --network none (and RUN --network), --pull, --platform of this machine,
// --cache-from a local image; COPY --chown.
func TestBuildFlags(t *testing.T) {
	Require(t, "busybox", "registry")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	ctx := buildContext(e, "ctx", map[string]string{
		"Dockerfile": "FROM busybox\nCOPY --chown=1234:5678 f /f\nRUN stat -c '%u:%g' /f > /owner && ls /sys/class/net | sort | tr '\\n' ' ' > /nets\n" +
			"RUN --network=none ls /sys/class/net | sort | tr '\\n' ' ' > /nets-none\n",
		"f": "x",
	})
	e.Skiff("image", "build", "--label", "built.by=skiff", "--label", "team=a", "--platform", "linux/"+goarch(), "-t", "flags", ctx).Success(t)
	// the default network has eth0; RUN --network=none only lo
	if got := e.Skiff("run", "--rm", "flags", "cat", "/owner", "/nets", "/nets-none").Success(t).Out(); got != "1234:5678\neth0 lo lo" {
		t.Errorf("owner and networks: %q", got)
	}
	if got := e.Skiff("image", "inspect", "--format", "{{json .Config.Labels}}", "flags").Success(t).Out(); got != `{"built.by":"skiff","team":"a"}` {
		t.Errorf("--label: %s", got)
	}
	r := e.Skiff("buildx", "build", "--network", "none", "--no-cache", "--cache-from", "flags", "-t", "flags2", ctx).Success(t)
	if !strings.Contains(r.Stdout, "Successfully tagged flags2:latest") {
		t.Errorf("buildx build:\n%s", r.Stdout)
	}
	if got := e.Skiff("run", "--rm", "flags2", "cat", "/nets").Success(t).Out(); got != "lo" {
		t.Errorf("--network none: RUN saw %q", got)
	}
	// --pull pulls a base that is present (here from the test registry,
	// a mirror of docker.io)
	RegistryImage(t, "busybox")
	e.RegistriesConf("docker.io")
	pulled := e.Skiff("build", "--pull", "-t", "pulled", ctx).Success(t)
	if !strings.Contains(pulled.Stdout, "Pulling from library/busybox") {
		t.Errorf("--pull did not pull:\n%s", pulled.Stdout)
	}
}

// Heredocs (RUN scripts, with and without #!, a heredoc on a command's
// stdin, COPY of inline content with ARG expansion), RUN --mount binds of
// the context and of an image, and RUN as the stage's USER in its
// WORKDIR.
func TestBuildHeredocsAndBinds(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	ctx := buildContext(e, "ctx", map[string]string{
		"Dockerfile": `FROM busybox
ARG NAME=world
RUN <<EOF
echo one > /one
echo two >> /one
EOF
RUN <<EOF
#!/bin/sh
echo "shebang $0" > /four
EOF
RUN cat > /three <<EOF
three
EOF
COPY <<EOF /etc/greeting.txt
hello $NAME
EOF
RUN --mount=type=bind,source=data.txt,target=/mnt/data.txt cp /mnt/data.txt /copied
RUN --mount=type=bind,from=busybox,source=/bin,target=/mnt/bb /mnt/bb/busybox echo bound > /bound
WORKDIR /home/skiffuser
USER skiffuser
RUN id -u > uid && pwd > cwd
`,
		"data.txt": "from the context\n",
	})
	e.Skiff("build", "-t", "hd", ctx).Success(t)
	got := e.Skiff("run", "--rm", "hd", "sh", "-c", "cat /one /four /three /etc/greeting.txt /copied /bound uid cwd; test -e /mnt || echo no mount points").Success(t).Out()
	want := "one\ntwo\nshebang /dev/pipes/EOF\nthree\nhello world\nfrom the context\nbound\n1000\n/home/skiffuser\nno mount points"
	if got != want {
		t.Errorf("in the image:\n%s\nwant:\n%s", got, want)
	}
	noBuildLeftovers(t, e)
}
