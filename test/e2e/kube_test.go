package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// podMember is the name of the one container of a played pod that is
// not its infra.
func podMember(e *Env, pod string) string {
	e.T.Helper()
	for _, l := range e.Skiff("ps", "-a", "--filter", "pod="+pod, "--format", "{{.Names}}").Success(e.T).Lines() {
		if !strings.HasSuffix(l, "-infra") {
			return l
		}
	}
	e.T.Fatalf("pod %s has no member", pod)
	return ""
}

// noPods checks that no pod is left.
func noPods(e *Env) {
	e.T.Helper()
	if out := e.Skiff("pod", "ps", "-q").Success(e.T).Out(); out != "" {
		e.T.Errorf("pods left: %s", out)
	}
}

// run → kube generate → kube down / kube play: the containers behave the
// same (the same port serves the same volume's data, the same env).
func TestKubeRoundTripRun(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	port := freePort(t)
	e.Skiff("run", "--rm", "-v", "web_site:/site", BusyboxImage, "sh", "-c", "echo kept in the volume > /site/index.html").Success(t)
	e.Skiff("run", "-d", "--name", "web", "-p", fmt.Sprintf("127.0.0.1:%d:80", port), "-v", "web_site:/site",
		"-e", "GREETING=hi there", "--restart", "always", BusyboxImage, "httpd", "-f", "-p", "80", "-h", "/site").Success(t)
	get := func(what string) {
		t.Helper()
		waitUntil(t, 20*time.Second, what, func() bool {
			body, _ := netHTTPGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port))
			return strings.TrimSpace(body) == "kept in the volume"
		})
	}
	get("run's container serves")
	yaml := filepath.Join(e.Dir, "web.yaml")
	e.Skiff("kube", "generate", "-f", yaml, "web").Success(t)
	b, err := os.ReadFile(yaml)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kind: Pod", fmt.Sprintf("hostPort: %d", port), "hostIP: 127.0.0.1", "claimName: web-site", "kind: PersistentVolumeClaim", "volume.skiff.io/name: web_site", "value: hi there",
		"restartPolicy: Always", "- httpd"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("generated YAML lacks %q:\n%s", want, b)
		}
	}
	for _, unwanted := range []string{"PATH", "HOSTNAME"} {
		if strings.Contains(string(b), unwanted) {
			t.Errorf("generated YAML has the image's or skiff's %s:\n%s", unwanted, b)
		}
	}
	e.Skiff("rm", "-f", "web").Success(t)
	for round := 0; round < 2; round++ {
		e.Skiff("kube", "play", yaml).Success(t)
		get("the played pod serves")
		member := podMember(e, "web-pod")
		if out := e.Skiff("exec", member, "sh", "-c", "echo $GREETING").Success(t).Out(); out != "hi there" {
			t.Errorf("GREETING in the played container: %q", out)
		}
		if out := inspectField(e, member, "{{.HostConfig.RestartPolicy.Name}}"); out != "always" {
			t.Errorf("restart policy of the played container: %q", out)
		}
		e.Skiff("kube", "down", yaml).Success(t)
		noPods(e)
		noContainers(e)
	}
	// down keeps the claim's volume (the data), down --force removes it
	if out := e.Skiff("volume", "ls", "-q").Success(t).Out(); out != "web_site" {
		t.Errorf("volumes after kube down: %q", out)
	}
	e.Skiff("kube", "play", yaml).Success(t)
	e.Skiff("kube", "play", "--down", "--force", yaml).Fail(t, 125, "")
	e.Skiff("kube", "down", "--force", yaml).Success(t)
	if out := e.Skiff("volume", "ls", "-q").Success(t).Out(); out != "" {
		t.Errorf("volumes after kube down --force: %q", out)
	}
	noContainers(e)
}

// A privileged container with no-new-privileges: Kubernetes refuses
// allowPrivilegeEscalation: false beside privileged: true, so generate
// keeps privileged, drops the restriction and says so once; play takes
// the YAML back.
func TestKubeGeneratePrivilegedNoNewPrivileges(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	e.Skiff("create", "--name", "priv", "--privileged", "--security-opt", "no-new-privileges", BusyboxImage, "sleep", "1d").Success(t)
	r := e.Skiff("kube", "generate", "priv").Success(t)
	if lines := strings.Split(strings.TrimSpace(r.Stderr), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "no-new-privileges is left out") {
		t.Errorf("want one warning about the dropped no-new-privileges, got:\n%s", r.Stderr)
	}
	if !strings.Contains(r.Stdout, "privileged: true") || strings.Contains(r.Stdout, "allowPrivilegeEscalation") {
		t.Errorf("generated YAML:\n%s", r.Stdout)
	}
	yaml := filepath.Join(e.Dir, "priv.yaml")
	if err := os.WriteFile(yaml, []byte(r.Stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	e.Skiff("rm", "priv").Success(t)
	e.Skiff("kube", "play", yaml).Success(t)
	if out := inspectField(e, podMember(e, "priv-pod"), "{{.HostConfig.Privileged}}"); out != "true" {
		t.Errorf("the played container is not privileged: %q", out)
	}
	e.Skiff("kube", "down", yaml).Success(t)
	noPods(e)
}

// A pod's two containers → kube generate -s → kube play: one pod again,
// its members on one localhost, its port through the Service.
func TestKubeRoundTripPod(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	port := freePort(t)
	e.Skiff("pod", "create", "--name", "duo", "-p", fmt.Sprintf("%d:80", port)).Success(t)
	e.Skiff(append([]string{"run", "-d", "--pod", "duo", "--name", "web", BusyboxImage}, webCmd("duo-page")...)...).Success(t)
	e.Skiff("run", "-d", "--pod", "duo", "--name", "probe", "-e", "TARGET=127.0.0.1", BusyboxImage, "sleep", "600").Success(t)
	yaml := filepath.Join(e.Dir, "duo.yaml")
	out := e.Skiff("kube", "generate", "-s", "duo").Success(t).Stdout
	e.WriteFile("duo.yaml", out)
	for _, want := range []string{"kind: Pod", "kind: Service", "type: NodePort", "name: web", "name: probe"} {
		if !strings.Contains(out, want) {
			t.Errorf("generated YAML lacks %q:\n%s", want, out)
		}
	}
	e.Skiff("pod", "rm", "-f", "duo").Success(t)
	e.Skiff("kube", "play", yaml).Success(t)
	waitUntil(t, 20*time.Second, "the played pod serves", func() bool {
		body, _ := netHTTPGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port))
		return strings.TrimSpace(body) == "duo-page"
	})
	if out := e.Skiff("exec", "duo-probe", "sh", "-c", "wget -qO- http://$TARGET/").Success(t).Out(); out != "duo-page" {
		t.Errorf("the members do not share localhost: %q", out)
	}
	e.Skiff("kube", "down", yaml).Success(t)
	noPods(e)
	noContainers(e)
}

// compose up → kube generate --compose → kube play serves the same pages,
// with the services' names resolving as in compose.
func TestKubeRoundTripCompose(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	port := freePort(t)
	dir := composeProject(e, "proj", map[string]string{"compose.yaml": fmt.Sprintf(`
services:
  web:
    image: busybox
    command: ["sh", "-c", "echo $$GREETING from web > /data/index.html && exec httpd -f -p 80 -h /data"]
    environment: {GREETING: hello}
    ports: ["127.0.0.1:%d:80"]
    volumes: [webdata:/data]
    stop_signal: SIGKILL
  backend:
    image: busybox
    command: ["sh", "-c", "mkdir -p /w && echo backend page > /w/index.html && exec httpd -f -p 8080 -h /w"]
    expose: ["8080"]
    stop_signal: SIGKILL
volumes:
  webdata:
`, port)})
	pages := func(what string, execIn string) {
		t.Helper()
		waitUntil(t, 20*time.Second, what, func() bool {
			body, _ := netHTTPGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port))
			return strings.TrimSpace(body) == "hello from web"
		})
		if out := e.Skiff("exec", execIn, "wget", "-qO-", "http://backend:8080/").Success(t).Out(); out != "backend page" {
			t.Errorf("%s: backend by name: %q", what, out)
		}
	}
	compose(e, dir, "up", "-d").Success(t)
	pages("compose up", "proj-web-1")
	compose(e, dir, "down").Success(t)
	// a memory limit on the backend (which compose up refuses where skiff
	// cannot apply limits, and kube play warns about)
	b, err := os.ReadFile(filepath.Join(dir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	e.WriteFile("proj/compose.yaml", strings.Replace(string(b), "volumes:\n  webdata:", "    deploy:\n      resources: {limits: {memory: 64m}}\nvolumes:\n  webdata:", 1))
	k := e.Skiff("kube", "generate", "--compose", "-f", filepath.Join(dir, "compose.yaml"), "-p", "proj").Success(t).Stdout
	for _, want := range []string{"kind: Deployment", "kind: PersistentVolumeClaim", "kind: Service", "memory: 64Mi"} {
		if !strings.Contains(k, want) {
			t.Errorf("generated YAML lacks %q:\n%s", want, k)
		}
	}
	file := e.WriteFile("proj.k8s.yaml", k)
	play := e.Skiff("kube", "play", file).Success(t)
	if canLimit() {
		if m := inspectField(e, "backend-pod-backend", "{{.HostConfig.Memory}}"); m != fmt.Sprint(64<<20) {
			t.Errorf("backend's memory limit after play: %s", m)
		}
	} else if !strings.Contains(play.Stderr, "resources are not applied") {
		t.Errorf("no warning that the limits are not applied:\n%s", play.Stderr)
	}
	pages("kube play", "web-pod-web")
	// the claim stands for compose's volume: the same data
	if out := e.Skiff("volume", "ls", "-q").Success(t).Out(); out != "proj_webdata" {
		t.Errorf("volumes after kube play: %q", out)
	}
	e.Skiff("kube", "down", file).Success(t)
	noPods(e)
	noContainers(e)
}

// What kube play carries out, together: ConfigMaps and Secrets as env and
// files, a claim's volume, an init container, emptyDir (tmpfs with medium
// Memory), hostPath, probes, Services; unsupported kinds and fields one
// warning line each (--strict refuses); kube down removes it all.
func TestKubePlayEverything(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	hostPort, svcPort := freePort(t), freePort(t)
	host := e.Mkdir("hostdir")
	e.WriteFile("hostdir/from-host", "host file\n")
	yaml := e.WriteFile("app.yaml", fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data:
  MODE: prod
  app.conf: |
    level=3
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
type: Opaque
data: {password: czNjcmV0}
stringData: {user: admin}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata:
  name: app
  labels: {app: app}
spec:
  restartPolicy: Always
  hostname: apphost
  terminationGracePeriodSeconds: 1
  initContainers:
  - name: prepare
    image: busybox
    command: [sh, -c, "echo ready > /work/ready"]
    volumeMounts: [{name: work, mountPath: /work}]
  containers:
  - name: web
    image: busybox
    command: [httpd, -f, -p, "8080", -h, /work]
    ports: [{name: http, containerPort: 8080, hostPort: %d, hostIP: 127.0.0.1}]
    env:
    - {name: GREETING, value: hello}
    - name: PASSWORD
      valueFrom: {secretKeyRef: {name: creds, key: password}}
    envFrom: [{configMapRef: {name: settings}, prefix: CFG_}]
    volumeMounts:
    - {name: work, mountPath: /work}
    - {name: data, mountPath: /data}
    - {name: conf, mountPath: /etc/app, readOnly: true}
    - {name: secret, mountPath: /run/secrets/app, readOnly: true}
    - {name: scratch, mountPath: /scratch}
    - {name: host, mountPath: /host, readOnly: true}
    readinessProbe:
      httpGet: {path: /ready, port: http}
      periodSeconds: 1
    startupProbe:
      exec: {command: ["true"]}
    securityContext:
      capabilities: {drop: [NET_RAW]}
  volumes:
  - {name: work, emptyDir: {}}
  - {name: data, persistentVolumeClaim: {claimName: data}}
  - name: conf
    configMap:
      name: settings
      items: [{key: app.conf, path: app.conf}]
  - {name: secret, secret: {secretName: creds}}
  - {name: scratch, emptyDir: {medium: Memory}}
  - {name: host, hostPath: {path: %s, type: Directory}}
---
apiVersion: v1
kind: Service
metadata: {name: app}
spec:
  type: ClusterIP
  selector: {app: app}
  ports: [{port: %d, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: app}
spec:
  rules: []
`, hostPort, host, svcPort))
	// --strict refuses the first unsupported thing, and makes nothing
	e.Skiff("kube", "play", "--strict", yaml).Fail(t, 125, "startupProbe is not supported by skiff")
	noContainers(e)
	r := e.Skiff("kube", "play", yaml).Success(t)
	for _, want := range []string{
		"app.yaml: document 4 (Pod app): field spec.containers[0].startupProbe is not supported by skiff: ignored",
		"app.yaml: document 6 (Ingress app): kind Ingress (networking.k8s.io/v1) is not supported by skiff: skipped",
	} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("kube play's warnings lack %q:\n%s", want, r.Stderr)
		}
	}
	// the init container ran first; the Service and the hostPort publish
	for _, p := range []int{hostPort, svcPort} {
		body, err := netHTTPGet(t, fmt.Sprintf("http://127.0.0.1:%d/ready", p))
		if strings.TrimSpace(body) != "ready" {
			t.Errorf("port %d: %q, %v", p, body, err)
		}
	}
	ctr := "app-web"
	for cmd, want := range map[string]string{
		"echo $GREETING $PASSWORD $CFG_MODE":                  "hello s3cret prod",
		"cat /etc/app/app.conf":                               "level=3",
		"cat /run/secrets/app/user":                           "admin",
		"cat /host/from-host":                                 "host file",
		"hostname":                                            "apphost",
		"sh -c 'grep \" /scratch \" /proc/mounts'":            "tmpfs /scratch tmpfs",
		"sh -c 'touch /host/x 2>/dev/null || echo read-only'": "read-only",
		"sh -c 'echo kept > /data/f && cat /data/f'":          "kept",
	} {
		out := e.Skiff("exec", ctr, "sh", "-c", cmd).Success(t).Out()
		if !strings.HasPrefix(out, want) {
			t.Errorf("%s: %q, want %q", cmd, out, want)
		}
	}
	// readiness shows in ps
	waitUntil(t, 20*time.Second, "the readiness probe passes", func() bool {
		return strings.Contains(e.Skiff("ps", "--filter", "name=app-web", "--format", "{{.Status}}").Success(t).Out(), "(healthy)")
	})
	if vols := e.Skiff("volume", "ls", "-q").Success(t).Lines(); len(vols) == 0 || vols[0] != "data" {
		t.Errorf("volumes: %q", vols)
	}
	// play again: the pod exists; --replace replaces it, the data stays
	e.Skiff("kube", "play", yaml).Fail(t, 125, "app")
	e.Skiff("kube", "play", "--replace", yaml).Success(t)
	if out := e.Skiff("exec", ctr, "cat", "/data/f").Success(t).Out(); out != "kept" {
		t.Errorf("the claim's data after --replace: %q", out)
	}
	e.Skiff("kube", "down", yaml).Success(t)
	noPods(e)
	noContainers(e)
	// the pod's emptyDirs go with it, the claim's volume stays
	if out := e.Skiff("volume", "ls", "-q").Success(t).Out(); out != "data" {
		t.Errorf("volumes after kube down: %q", out)
	}
}

// Deployments (replicas as pods), DaemonSets, Jobs (run to completion)
// and --start=false.
func TestKubePlayWorkloads(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	yaml := e.WriteFile("w.yaml", `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: busybox
        args: [sleep, 1d]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: agent, image: busybox, args: [sleep, 1d]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: task}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: task, image: busybox, command: [sh, -c, "echo job done"]}]
`)
	e.Skiff("kube", "play", "--start=false", yaml).Success(t)
	if out := e.Skiff("ps", "-q").Success(t).Out(); out != "" {
		t.Errorf("--start=false started %s", out)
	}
	if n := len(e.Skiff("pod", "ps", "-q").Success(t).Lines()); n != 4 {
		t.Errorf("%d pods, want 4 (two replicas, the agent, the job)", n)
	}
	e.Skiff("kube", "down", yaml).Success(t)
	noPods(e)
	noContainers(e)
	e.Skiff("kube", "play", yaml).Success(t)
	running := e.Skiff("ps", "--format", "{{.Names}}").Success(t).Stdout
	for _, want := range []string{"web-pod-web", "web-pod-1-web", "agent-pod-agent"} {
		if !strings.Contains(running, want) {
			t.Errorf("ps lacks %s:\n%s", want, running)
		}
	}
	task := podMember(e, "task-pod")
	waitStatus(e, task, "exited")
	if out := e.Skiff("logs", task).Success(t).Out(); out != "job done" {
		t.Errorf("the job's output: %q", out)
	}
	e.Skiff("kube", "down", yaml).Success(t)
	noPods(e)
	noContainers(e)
}

// A liveness probe that fails restarts the container.
func TestKubePlayLiveness(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	yaml := e.WriteFile("l.yaml", `apiVersion: v1
kind: Pod
metadata: {name: live}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox
    command: [sh, -c, "touch /tmp/alive; sleep 2; rm /tmp/alive; exec sleep 600"]
    livenessProbe:
      exec: {command: [test, -f, /tmp/alive]}
      periodSeconds: 1
      failureThreshold: 1
`)
	e.Skiff("kube", "play", yaml).Success(t)
	waitUntil(t, 30*time.Second, "the liveness probe restarts the container", func() bool {
		return inspectField(e, "live-c", "{{.RestartCount}}") != "0"
	})
	e.Skiff("kube", "down", yaml).Success(t)
	noContainers(e)
}

// Bad input: the document, field and reason, exit 125; a play failing
// halfway leaves nothing it made, or with --replace what was there.
func TestKubePlayFaults(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	for name, c := range map[string]struct{ yaml, want string }{
		"notyaml.yaml": {"apiVersion: v1\n\tkind: Pod\n", "notyaml.yaml: document 1"},
		"unknown.yaml": {"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: busybox, imagePolicy: x}]\n",
			`unknown.yaml: document 1 (Pod p): spec.containers[0].imagePolicy: unknown field "imagePolicy"`},
		"port.yaml": {"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: busybox, ports: [{containerPort: 70000}]}]\n",
			"port.yaml: document 1 (Pod p): spec.containers[0].ports[0].containerPort: Invalid value: 70000"},
	} {
		f := e.WriteFile(name, c.yaml)
		r := e.Skiff("kube", "play", f).Fail(t, 125, c.want)
		if n := len(strings.Split(strings.TrimSpace(r.Stderr), "\n")); n != 1 {
			t.Errorf("%s: %d lines on stderr:\n%s", name, n, r.Stderr)
		}
	}
	e.Skiff("kube", "play", "/nonexistent/x.yaml").Fail(t, 125, "x.yaml")
	// the second pod's image is missing: the first pod, the claim's volume
	// and the network are removed again
	half := e.WriteFile("half.yaml", `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: store}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: first}
spec:
  containers: [{name: c, image: busybox, args: [sleep, 1d], volumeMounts: [{name: s, mountPath: /s}]}]
  volumes: [{name: s, persistentVolumeClaim: {claimName: store}}]
---
apiVersion: v1
kind: Pod
metadata: {name: second}
spec:
  containers: [{name: c, image: nosuch-image-kube-test, imagePullPolicy: Never}]
`)
	e.Skiff("kube", "play", half).Fail(t, 125, "nosuch-image-kube-test")
	noPods(e)
	noContainers(e)
	if out := e.Skiff("volume", "ls", "-q").Success(t).Out(); out != "" {
		t.Errorf("a failed play left volumes: %q", out)
	}
	// with --replace, what was there before comes back
	e.Skiff("pod", "create", "--name", "first").Success(t)
	e.Skiff("run", "-d", "--pod", "first", "--name", "keeper", BusyboxImage, "sleep", "600").Success(t)
	e.Skiff("kube", "play", "--replace", half).Fail(t, 125, "nosuch-image-kube-test")
	if st := inspectField(e, "keeper", "{{.State.Status}}"); st != "running" {
		t.Errorf("the replaced pod's container after a failed play: %s", st)
	}
	e.Skiff("pod", "rm", "-f", "first").Success(t)
	noPods(e)
	noContainers(e)
}

// kube play's options: the YAML from standard input, --build (an image
// built from the directory of its name beside the YAML), --publish,
// --configmap, --network and --log-driver; kube down from standard input.
func TestKubePlayOptions(t *testing.T) {
	Require(t, "busybox")
	t.Parallel()
	e := New(t)
	e.LoadBusybox()
	port := freePort(t)
	e.Mkdir("app/kubeweb")
	e.WriteFile("app/kubeweb/Dockerfile", "FROM busybox\nRUN mkdir /w && echo built here > /w/index.html\nCMD [\"httpd\", \"-f\", \"-p\", \"80\", \"-h\", \"/w\"]\n")
	cfg := e.WriteFile("app/cfg.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ext}\ndata: {mode: from-the-flag}\n")
	yaml := `apiVersion: v1
kind: Pod
metadata: {name: opts}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: kubeweb
    ports: [{containerPort: 80}]
    env:
    - name: MODE
      valueFrom: {configMapKeyRef: {name: ext, key: mode}}
`
	file := e.WriteFile("app/opts.yaml", yaml)
	e.Skiff("network", "create", "kubenet").Success(t)
	// the ConfigMap is missing without --configmap
	e.Skiff("kube", "play", file).Fail(t, 125, "ext")
	noPods(e)
	e.Skiff("kube", "play", "--build", "--configmap", cfg, "--network", "kubenet", "--log-driver", "none",
		"--publish", fmt.Sprintf("127.0.0.1:%d:80", port), file).Success(t)
	waitUntil(t, 20*time.Second, "the built image serves on the --publish port", func() bool {
		body, _ := netHTTPGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port))
		return strings.TrimSpace(body) == "built here"
	})
	if out := e.Skiff("exec", "opts-web", "sh", "-c", "echo $MODE").Success(t).Out(); out != "from-the-flag" {
		t.Errorf("MODE from --configmap: %q", out)
	}
	if out := inspectField(e, "opts-web", "{{.HostConfig.LogConfig.Type}}"); out != "none" {
		t.Errorf("log driver: %q", out)
	}
	infra := e.Skiff("pod", "inspect", "--format", "{{.InfraContainerID}}", "opts").Success(t).Out()
	if out := inspectField(e, infra, "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}"); out != "kubenet" {
		t.Errorf("the pod's network: %q", out)
	}
	e.SkiffStdin(strings.NewReader(yaml), "kube", "down", "-").Success(t)
	noPods(e)
	noContainers(e)
	// from standard input, without a build context: the image built above
	e.SkiffStdin(strings.NewReader(yaml), "kube", "play", "--configmap", cfg, "-").Success(t)
	e.SkiffStdin(strings.NewReader(yaml), "kube", "play", "--down", "-").Success(t)
	noPods(e)
	noContainers(e)
	e.Skiff("network", "rm", "kubenet").Success(t)
}

// kube play's imagePullPolicy against the registry: Always pulls at
// every play, IfNotPresent (the default for a tag other than latest)
// only when the image is missing, Never refuses a missing image.
func TestKubePlayPullPolicy(t *testing.T) {
	t.Parallel()
	e := New(t)
	ref := RegistryImage(t, "busybox")
	e.RegistriesConf("")
	pod := func(policy string) string {
		return e.WriteFile("pod-"+policy+".yaml", fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: pulled}
spec:
  containers: [{name: c, image: %s, imagePullPolicy: %s, args: [sleep, 1d]}]
`, ref, policy))
	}
	pulls := func(since string) int {
		out := e.Skiff("events", "--since", since, "--until", time.Now().UTC().Format(time.RFC3339Nano),
			"--filter", "type=image", "--filter", "event=pull", "--format", "{{.Action}}").Success(t).Out()
		return strings.Count(out, "pull")
	}
	e.Skiff("kube", "play", pod("Never")).Fail(t, 125, "")
	noPods(e)
	start := time.Now().UTC().Format(time.RFC3339Nano)
	for _, policy := range []string{"Always", "Always", "IfNotPresent"} {
		f := pod(policy)
		e.Skiff("kube", "play", f).Success(t)
		if got := e.Skiff("pod", "inspect", "--format", "{{.State}}", "pulled").Success(t).Out(); got != "Running" {
			t.Errorf("%s: pod state %q", policy, got)
		}
		e.Skiff("kube", "down", f).Success(t)
	}
	if n := pulls(start); n != 2 {
		t.Errorf("two plays with Always and one with IfNotPresent pulled %d times, want 2", n)
	}
	e.Skiff("kube", "play", pod("Never")).Success(t) // present now
	e.Skiff("kube", "down", pod("Never")).Success(t)
}
