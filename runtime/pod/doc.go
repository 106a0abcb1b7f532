// Package pod owns pods: groups of containers that share namespaces held
// by an infra container (skiff's own infra process, runtime/infra; no
// image). A pod is a record (<root>/skiff/pods/ID/pod.json and the name
// link <root>/skiff/pod-names/NAME); its containers are ordinary
// containers whose records name the pod (container.Record.Pod), made,
// started, stopped and removed by runtime/container's verbs. Joining a
// pod is run's own mechanism: --network, --ipc, --pid and --uts
// container:INFRA (Member). Published ports belong to the infra's
// network, so to the pod.
//
// It must not import commands. runtime/kube calls it.
package pod
