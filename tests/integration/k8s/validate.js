// SPDX-License-Identifier: Apache-2.0
// Validates rendered Kubernetes objects offline: node validate.js FILE.json
// (a JSON array of the objects `helm template` printed). Each object against
// the Kubernetes 1.27 API schemas (npm kubernetes-models; ServiceMonitor and
// PrometheusRule: @kubernetes-models/prometheus-operator). Those validators
// accept unknown fields, so the fields the chart relies on are checked by
// name too (check_* below). Prints "ok: Kind/name" per object; exits 1 with
// every problem on stderr.
'use strict';
const fs = require('fs');
const path = require('path');
const modules = process.env.BABE_NODE_MODULES;
const req = (m) => require(path.join(modules, m));

const groups = {
  'v1': () => req('kubernetes-models/v1'),
  'apps/v1': () => req('kubernetes-models/apps/v1'),
  'monitoring.coreos.com/v1': () => req('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1'),
};

const problems = [];
const fail = (obj, msg) => problems.push(`${obj.kind}/${obj.metadata && obj.metadata.name}: ${msg}`);
const expect = (obj, cond, msg) => { if (!cond) fail(obj, msg); };

function check_daemonset(ds) {
  const s = ds.spec;
  const ru = (s.updateStrategy || {}).rollingUpdate || {};
  expect(ds, s.updateStrategy && s.updateStrategy.type === 'RollingUpdate', 'updateStrategy.type is not RollingUpdate');
  expect(ds, ru.maxSurge === 0 && ru.maxUnavailable === 1, 'rollingUpdate is not maxSurge 0 / maxUnavailable 1');
  const p = s.template.spec;
  expect(ds, p.hostNetwork === true, 'hostNetwork is not true');
  expect(ds, p.dnsPolicy === 'ClusterFirstWithHostNet', 'dnsPolicy is not ClusterFirstWithHostNet');
  expect(ds, p.priorityClassName === 'system-node-critical', 'priorityClassName is not system-node-critical');
  expect(ds, /^[0-9a-f]{64}$/.test((s.template.metadata.annotations || {})['checksum/config'] || ''), 'no checksum/config annotation');
  const sel = s.selector.matchLabels;
  for (const k of Object.keys(sel))
    expect(ds, s.template.metadata.labels[k] === sel[k], `selector label ${k} not on the pod template`);
  const babed = (p.containers || []).find((c) => c.name === 'babed');
  if (!babed) return fail(ds, 'no babed container');
  const sc = babed.securityContext || {};
  expect(ds, sc.privileged === false && sc.allowPrivilegeEscalation === false, 'babed is privileged or may escalate');
  expect(ds, JSON.stringify(sc.capabilities.drop) === '["ALL"]', 'babed does not drop ALL capabilities');
  for (const c of ['NET_ADMIN', 'NET_RAW', 'BPF', 'PERFMON', 'IPC_LOCK'])
    expect(ds, sc.capabilities.add.includes(c), `babed lacks ${c}`);
  expect(ds, !sc.capabilities.add.includes('SYS_ADMIN'), 'babed has SYS_ADMIN');
  const mounts = Object.fromEntries((babed.volumeMounts || []).map((m) => [m.name, m]));
  expect(ds, mounts.bpffs && mounts.bpffs.mountPath === '/sys/fs/bpf' && mounts.bpffs.mountPropagation === 'HostToContainer',
         'bpffs is not /sys/fs/bpf with HostToContainer propagation');
  expect(ds, mounts.config && mounts.config.mountPath === '/etc/babe', 'config not on /etc/babe');
  expect(ds, mounts.run, 'no control socket directory mount');
  const vols = Object.fromEntries((p.volumes || []).map((v) => [v.name, v]));
  expect(ds, vols.bpffs && vols.bpffs.hostPath && vols.bpffs.hostPath.path === '/sys/fs/bpf', 'bpffs is not the host path /sys/fs/bpf');
  expect(ds, vols.run && vols.run.hostPath && vols.run.hostPath.path === mounts.run.mountPath, 'socket directory is not the same host path');
  expect(ds, vols.config && vols.config.configMap && vols.config.configMap.name, 'config volume is not a ConfigMap');
  for (const [name, pathWanted] of [['livenessProbe', '/healthz'], ['readinessProbe', '/readyz']]) {
    const pr = babed[name];
    if (process.env.BABE_EXPECT_PROBES === '1')
      expect(ds, pr && pr.httpGet && pr.httpGet.path === pathWanted && pr.httpGet.port === 'metrics', `${name} is not GET ${pathWanted} on port metrics`);
    else
      expect(ds, !pr, `${name} present although probes are off`);
  }
  if (babed.livenessProbe)
    expect(ds, (babed.ports || []).some((x) => x.name === 'metrics'), 'probes on a port named metrics that does not exist');
  const init = (p.initContainers || []).find((c) => c.name === 'prepare-node');
  if (process.env.BABE_EXPECT_INIT === '1') {
    if (!init) return fail(ds, 'no prepare-node init container');
    expect(ds, init.securityContext && init.securityContext.privileged === true, 'prepare-node is not privileged');
    const im = (init.volumeMounts || []).find((m) => m.name === 'bpffs');
    expect(ds, im && im.mountPropagation === 'Bidirectional', 'prepare-node does not mount bpffs Bidirectional');
  } else {
    expect(ds, !init, 'prepare-node present although disabled');
  }
}

function check_configmap(cm) {
  expect(cm, cm.data && Object.values(cm.data).every((v) => typeof v === 'string'), 'data values are not strings');
}

function check_rule(pr) {
  const rules = pr.spec.groups.flatMap((g) => g.rules);
  for (const a of ['BabeNodeDown', 'BabeDiscoveryFailures', 'BabeDropsRising'])
    expect(pr, rules.some((r) => r.alert === a), `alert ${a} missing`);
}

function check_servicemonitor(sm) {
  expect(sm, sm.spec.endpoints.every((e) => e.port === 'metrics' && e.path === '/metrics'), 'endpoint is not port metrics, /metrics');
}

const objects = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')).filter((o) => o);
for (const obj of objects) {
  const group = groups[obj.apiVersion];
  if (!group) { fail(obj, `no schema for apiVersion ${obj.apiVersion}`); continue; }
  const Model = group()[obj.kind];
  if (!Model) { fail(obj, `no schema for kind ${obj.kind} in ${obj.apiVersion}`); continue; }
  try {
    new Model(obj).validate();
  } catch (e) {
    fail(obj, `schema: ${e.message}${e.errors ? ' ' + JSON.stringify(e.errors) : ''}`);
    continue;
  }
  ({ DaemonSet: check_daemonset, ConfigMap: check_configmap, PrometheusRule: check_rule,
     ServiceMonitor: check_servicemonitor }[obj.kind] || (() => {}))(obj);
  console.log(`ok: ${obj.kind}/${obj.metadata.name}`);
}
if (problems.length) {
  for (const p of problems) console.error(`invalid: ${p}`);
  process.exit(1);
}
