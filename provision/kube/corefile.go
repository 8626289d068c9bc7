package kube

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// EditCorefile reads the Corefile of the cluster's CoreDNS (ConfigMap kube-system/coredns), passes
// it to edit, and writes back what edit returns when it differs. It returns the new file and
// whether it wrote it.
func (c *Client) EditCorefile(ctx context.Context, edit func(corefile string) (string, error)) (string, bool, error) {
	cms := c.Clientset.CoreV1().ConfigMaps("kube-system")
	cm, err := cms.Get(ctx, "coredns", metav1.GetOptions{})
	if err != nil {
		return "", false, err
	}
	cur := cm.Data["Corefile"]
	next, err := edit(cur)
	if err != nil || next == cur {
		return cur, false, err
	}
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	cm.Data["Corefile"] = next
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		return "", false, err
	}
	return next, true, nil
}
