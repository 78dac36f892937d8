package fakekubelet

// Pods on the fake node. Real: the Pod objects, their binding to the node
// (spec.nodeName) and their status written through the status subresource.
// Played: the kubelet's part — the containers "run" because the fake says
// so in the status, and a restart is a status change plus a fresh log.

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
)

// pod is a pod the fake runs.
type pod struct {
	key        podKey
	uid        string
	containers map[string]*container
}

// CreatePod creates the Pod name in namespace, bound to the fake's node,
// with one container per name in containers (at least one) and restart
// policy OnFailure, and reports it Running with every container running
// and ready, as a kubelet would. It
// returns the Pod as last written, or the error of the create or of the
// status update.
func (k *Kubelet) CreatePod(ctx context.Context, namespace, name string, containers ...string) (*corev1.Pod, error) {
	if len(containers) == 0 {
		return nil, fmt.Errorf("pod %s/%s needs at least one container", namespace, name)
	}
	// OnFailure: a failed container restarts (RestartContainer), one that
	// exits 0 is done for good (StopContainer).
	spec := corev1.PodSpec{NodeName: k.NodeName, RestartPolicy: corev1.RestartPolicyOnFailure}
	for _, c := range containers {
		spec.Containers = append(spec.Containers, corev1.Container{Name: c, Image: "fake.invalid/" + c})
	}
	pods := k.Clientset.CoreV1().Pods(namespace)
	created, err := pods.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}, Spec: spec}, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("creating pod %s/%s: %w", namespace, name, err)
	}
	p := &pod{key: podKey{namespace, name}, uid: string(created.UID), containers: map[string]*container{}}
	now := metav1.Now()
	status := corev1.PodStatus{
		Phase:     corev1.PodRunning,
		HostIP:    "127.0.0.1",
		PodIP:     "127.0.0.1",
		StartTime: &now,
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
		},
	}
	for _, c := range containers {
		p.containers[c] = newContainer()
		status.ContainerStatuses = append(status.ContainerStatuses, runningStatus(created, c, 0, now))
	}
	k.mu.Lock()
	k.pods[p.key] = p
	k.mu.Unlock()
	created.Status = status
	updated, err := pods.UpdateStatus(ctx, created, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("reporting pod %s/%s running: %w", namespace, name, err)
	}
	return updated, nil
}

func runningStatus(p *corev1.Pod, name string, restarts int32, since metav1.Time) corev1.ContainerStatus {
	started := true
	return corev1.ContainerStatus{
		Name:         name,
		State:        corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: since}},
		Ready:        true,
		Started:      &started,
		RestartCount: restarts,
		Image:        "fake.invalid/" + name,
		ImageID:      "fake.invalid/" + name + "@sha256:0",
		ContainerID:  fmt.Sprintf("fake://%s-%s-%d", p.UID, name, restarts),
	}
}

// RestartContainer plays a container's restart: the Pod's status first
// shows the new instance (restartCount one higher, lastState terminated with
// exit code 1), then the running instance's log becomes the "previous" log,
// the new instance starts with an empty one, and every follow stream of the
// old instance ends, as the kubelet ends them when the container exits. The
// status is written before the streams end so that a client that re-reads
// the Pod on EOF sees the restart. It fails when the fake does not run the
// container or the status cannot be written.
func (k *Kubelet) RestartContainer(ctx context.Context, ref Ref) error {
	_, c, err := k.container(ref)
	if err != nil {
		return err
	}
	pods := k.Clientset.CoreV1().Pods(ref.Namespace)
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := pods.Get(ctx, ref.Pod, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for i, s := range p.Status.ContainerStatuses {
			if s.Name != ref.Container {
				continue
			}
			var started metav1.Time
			if s.State.Running != nil {
				started = s.State.Running.StartedAt
			}
			now := metav1.NewTime(time.Now())
			next := runningStatus(p, s.Name, s.RestartCount+1, now)
			next.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: 1, Reason: "Error", StartedAt: started, FinishedAt: now, ContainerID: s.ContainerID,
			}}
			p.Status.ContainerStatuses[i] = next
		}
		_, err = pods.UpdateStatus(ctx, p, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("reporting the restart of %s: %w", ref, err)
	}
	c.restart()
	return nil
}

// EndFollowStreams ends every follow stream open on the fake, while the
// containers keep running and keep their logs: what a client sees at a log
// rotation or a dropped kubelet connection. It returns how many streams it
// ended.
func (k *Kubelet) EndFollowStreams() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for _, p := range k.pods {
		for _, c := range p.containers {
			n += c.endFollows()
		}
	}
	return n
}

// StopContainer plays the container's exit with code 0 for good (the
// Pod's restart policy is OnFailure): the Pod's status first shows it
// terminated (and the Pod Succeeded once no container runs), then its
// follow streams end, and later follows end at the end of the log, as the
// kubelet's do for a container that is not running. It fails when the fake
// does not run the container or the status cannot be written.
func (k *Kubelet) StopContainer(ctx context.Context, ref Ref) error {
	_, c, err := k.container(ref)
	if err != nil {
		return err
	}
	pods := k.Clientset.CoreV1().Pods(ref.Namespace)
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := pods.Get(ctx, ref.Pod, metav1.GetOptions{})
		if err != nil {
			return err
		}
		running := 0
		now := metav1.NewTime(time.Now())
		for i := range p.Status.ContainerStatuses {
			s := &p.Status.ContainerStatuses[i]
			if s.Name == ref.Container && s.State.Running != nil {
				s.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
					ExitCode: 0, Reason: "Completed", StartedAt: s.State.Running.StartedAt, FinishedAt: now, ContainerID: s.ContainerID,
				}}
				s.Ready, s.Started = false, new(bool)
			}
			if s.State.Running != nil {
				running++
			}
		}
		if running == 0 {
			p.Status.Phase = corev1.PodSucceeded
		}
		for i := range p.Status.Conditions {
			if t := p.Status.Conditions[i].Type; t == corev1.PodReady || t == corev1.ContainersReady {
				p.Status.Conditions[i].Status = corev1.ConditionFalse
				p.Status.Conditions[i].LastTransitionTime = now
			}
		}
		_, err = pods.UpdateStatus(ctx, p, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("reporting the end of %s: %w", ref, err)
	}
	c.stop()
	return nil
}
