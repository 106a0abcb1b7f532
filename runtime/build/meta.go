package build

import (
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"go.podman.io/image/v5/manifest"

	"github.com/skiff-containers/skiff/runtime/spec"
)

// defaultShell is the SHELL of an image that sets none.
var defaultShell = []string{"/bin/sh", "-c"}

// shell is the stage's SHELL.
func shellOf(cfg *manifest.Schema2Image) []string {
	if len(cfg.Config.Shell) > 0 {
		return cfg.Config.Shell
	}
	return defaultShell
}

// withShell is a command line in shell form (wrapped in the SHELL) or
// exec form.
func withShell(cfg *manifest.Schema2Image, c instructions.ShellDependantCmdLine) []string {
	if c.PrependShell {
		return append(append([]string{}, shellOf(cfg)...), strings.Join(c.CmdLine, " "))
	}
	return append([]string{}, c.CmdLine...)
}

// applyMeta applies an instruction that only changes the configuration.
func (x *stageRun) applyMeta(cfg *manifest.Schema2Image, cmd instructions.Command, expand func(string) (string, error)) error {
	if e, ok := cmd.(instructions.SupportsSingleWordExpansion); ok {
		if err := e.Expand(expand); err != nil {
			return x.errorf(cmd, "%v", err)
		}
	}
	c := cfg.Config
	switch v := cmd.(type) {
	case *instructions.EnvCommand:
		for _, kv := range v.Env {
			c.Env = setEnv(c.Env, kv.Key, kv.Value)
		}
	case *instructions.LabelCommand:
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		for _, kv := range v.Labels {
			c.Labels[kv.Key] = kv.Value
		}
	case *instructions.MaintainerCommand:
		cfg.Author = v.Maintainer
	case *instructions.WorkdirCommand:
		c.WorkingDir = workdir(c.WorkingDir, v.Path)
	case *instructions.UserCommand:
		c.User = v.User
	case *instructions.ExposeCommand:
		return x.expose(c, v, expand)
	case *instructions.VolumeCommand:
		if c.Volumes == nil {
			c.Volumes = map[string]struct{}{}
		}
		for _, vol := range v.Volumes {
			if strings.TrimSpace(vol) == "" {
				return x.errorf(cmd, "VOLUME specified can not be an empty string")
			}
			c.Volumes[vol] = struct{}{}
		}
	case *instructions.StopSignalCommand:
		if _, err := spec.ParseSignal(v.Signal); err != nil {
			return x.errorf(cmd, "STOPSIGNAL: invalid signal %q", v.Signal)
		}
		c.StopSignal = v.Signal
	case *instructions.CmdCommand:
		c.Cmd = withShell(cfg, v.ShellDependantCmdLine)
		x.cmdSet = true
	case *instructions.EntrypointCommand:
		c.Entrypoint = withShell(cfg, v.ShellDependantCmdLine)
		if !x.cmdSet {
			c.Cmd = nil // an inherited CMD does not survive a new ENTRYPOINT
		}
	case *instructions.ShellCommand:
		c.Shell = append([]string{}, v.Shell...)
	case *instructions.HealthCheckCommand:
		c.Healthcheck = healthConfig(v)
	case *instructions.OnbuildCommand:
		c.OnBuild = append(c.OnBuild, v.Expression)
	default:
		return x.errorf(cmd, "%s is not supported", strings.ToUpper(cmd.Name()))
	}
	return nil
}

// expose adds EXPOSE's ports (ranges expanded; tcp by default).
func (x *stageRun) expose(c *manifest.Schema2Config, v *instructions.ExposeCommand, expand func(string) (string, error)) error {
	if c.ExposedPorts == nil {
		c.ExposedPorts = manifest.Schema2PortSet{}
	}
	for _, p := range v.Ports {
		p, err := expand(p)
		if err != nil {
			return x.errorf(v, "%v", err)
		}
		for _, word := range strings.Fields(p) {
			ports, err := parsePortSpec(word)
			if err != nil {
				return x.errorf(v, "EXPOSE %s: %v", word, err)
			}
			for _, port := range ports {
				c.ExposedPorts[manifest.Schema2Port(port)] = struct{}{}
			}
		}
	}
	return nil
}

// healthConfig is HEALTHCHECK in the image's configuration.
func healthConfig(v *instructions.HealthCheckCommand) *manifest.Schema2HealthConfig {
	h := v.Health
	return &manifest.Schema2HealthConfig{
		Test: append([]string{}, h.Test...), Interval: h.Interval, Timeout: h.Timeout,
		StartPeriod: h.StartPeriod, StartInterval: h.StartInterval, Retries: h.Retries,
	}
}

// workdir resolves WORKDIR against the current one.
func workdir(cur, p string) string {
	if !path.IsAbs(p) {
		if cur == "" {
			cur = "/"
		}
		p = path.Join(cur, p)
	}
	return path.Clean(p)
}

// setEnv sets key in env, in place of an earlier value.
func setEnv(env []string, key, value string) []string {
	for i, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k == key {
			env[i] = key + "=" + value
			return env
		}
	}
	return append(env, key+"="+value)
}
