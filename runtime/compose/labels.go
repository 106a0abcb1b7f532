package compose

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// Version is the docker compose release whose behaviour, labels and
// output skiff's compose follows; `compose version` prints it and the
// com.docker.compose.version label carries it.
const Version = "2.33.1"

// docker compose's labels, on containers, networks and volumes.
const (
	LabelProject     = "com.docker.compose.project"
	LabelService     = "com.docker.compose.service"
	LabelNumber      = "com.docker.compose.container-number"
	LabelConfigHash  = "com.docker.compose.config-hash"
	LabelOneoff      = "com.docker.compose.oneoff"
	LabelWorkingDir  = "com.docker.compose.project.working_dir"
	LabelConfigFiles = "com.docker.compose.project.config_files"
	LabelEnvFile     = "com.docker.compose.project.environment_file"
	LabelDependsOn   = "com.docker.compose.depends_on"
	LabelImage       = "com.docker.compose.image"
	LabelVersion     = "com.docker.compose.version"
	LabelReplace     = "com.docker.compose.replace"
	LabelNetwork     = "com.docker.compose.network"
	LabelVolume      = "com.docker.compose.volume"
)

// ContainerName is docker compose's name for a service's container
// number n: PROJECT-SERVICE-N, or the service's container_name.
func ContainerName(project string, s *types.ServiceConfig, n int) string {
	if s.ContainerName != "" {
		return s.ContainerName
	}
	return project + "-" + s.Name + "-" + strconv.Itoa(n)
}

// ServiceHash is docker compose's config hash of a service: the digest
// of its configuration without what does not change the container (the
// build, the pull policy, the scale, the dependencies, the profiles),
// so that `up` after an edit recreates exactly the services whose hash
// changed.
func ServiceHash(s types.ServiceConfig) (string, error) {
	s.Build = nil
	s.PullPolicy = ""
	s.Scale = nil
	if s.Deploy != nil {
		d := *s.Deploy
		d.Replicas = nil
		s.Deploy = &d
	}
	s.DependsOn = nil
	s.Profiles = nil
	b, err := json.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("hashing service %s: %w", s.Name, err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// containerLabels are the labels compose puts on a service's container
// number n (the service's own labels come first and are overridden).
func (p *Project) containerLabels(s *types.ServiceConfig, n int, hash, imageID string, oneoff bool) map[string]string {
	l := map[string]string{}
	for k, v := range s.Labels {
		l[k] = v
	}
	for k, v := range s.CustomLabels {
		l[k] = v
	}
	off := "False"
	if oneoff {
		off = "True"
	}
	l[LabelProject] = p.Name
	l[LabelService] = s.Name
	l[LabelNumber] = strconv.Itoa(n)
	l[LabelConfigHash] = hash
	l[LabelOneoff] = off
	l[LabelWorkingDir] = p.WorkingDir
	l[LabelConfigFiles] = strings.Join(p.ComposeFiles, ",")
	l[LabelImage] = imageLabel(imageID)
	l[LabelVersion] = Version
	if len(p.Project.Environment) > 0 && len(p.ComposeFiles) > 0 {
		if f := p.envFile(); f != "" {
			l[LabelEnvFile] = f
		}
	}
	var deps []string
	for name, d := range s.DependsOn {
		deps = append(deps, fmt.Sprintf("%s:%s:%t", name, d.Condition, d.Restart))
	}
	slices.Sort(deps)
	l[LabelDependsOn] = strings.Join(deps, ",")
	return l
}

// imageLabel is the image ID as docker compose's image label carries it:
// sha256:HEX. up compares labels through it: older skiff wrote the bare
// HEX, which must not make every container seem diverged.
func imageLabel(id string) string {
	if id == "" || strings.HasPrefix(id, "sha256:") {
		return id
	}
	return "sha256:" + id
}

// resourceLabels are the labels of a project's network or volume.
func (p *Project) resourceLabels(kind, name string, own map[string]string) map[string]string {
	l := map[string]string{}
	for k, v := range own {
		l[k] = v
	}
	l[LabelProject] = p.Name
	l[kind] = name
	l[LabelVersion] = Version
	return l
}
