package container

import (
	"testing"
	"time"
)

// The flags replace the image's fields one by one; --no-healthcheck
// disables it (its conflict with the others is validate's:
// TestValidateCreateOptions).
func TestHealthConfig(t *testing.T) {
	t.Parallel()
	image := &HealthConfig{Test: []string{"CMD", "true"}, Interval: time.Minute, Retries: 5}
	d := 2 * time.Second
	n := 1
	got, err := healthConfig(image, HealthOptions{Interval: &d, Retries: &n})
	if err != nil || got.Test[0] != "CMD" || got.Interval != d || got.Retries != 1 || image.Interval != time.Minute {
		t.Errorf("merged %+v %v (image %+v)", got, err, image)
	}
	if got, _ := healthConfig(image, HealthOptions{Cmd: "curl -f localhost"}); got.Test[0] != "CMD-SHELL" || got.Test[1] != "curl -f localhost" || got.Interval != time.Minute {
		t.Errorf("--health-cmd: %+v", got)
	}
	if got, _ := healthConfig(image, HealthOptions{}); got != image {
		t.Errorf("no flags: %+v", got)
	}
	if got, _ := healthConfig(image, HealthOptions{Disable: true}); got.Test[0] != "NONE" {
		t.Errorf("--no-healthcheck: %+v", got)
	}
	if _, err := healthConfig(nil, HealthOptions{Interval: &d}); err == nil {
		t.Error("--health-interval without a check to run: want error")
	}
}
