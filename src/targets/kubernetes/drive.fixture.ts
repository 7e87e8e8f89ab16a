/*
 * A stand-in control plane for the kill -9 test: starts a canary on the kubernetes target, sets the
 * given weight, says so on stdout, then waits (as a controller waits for analysis) until killed.
 * Usage: node drive.fixture.ts KUBECONFIG IMAGE PER_MILLE
 */
import { KubeClient } from './kube-client.ts';
import { KubernetesTarget } from './kubernetes-target.ts';
import { PLACEMENT } from './placement.fixture.ts';

const [kubeconfig, image, perMille] = process.argv.slice(2) as [string, string, string];
const target = new KubernetesTarget(PLACEMENT, new KubeClient({ kubeconfig }));
await target.startCanary(image);
await target.setWeight(Number(perMille));
process.stdout.write(`at ${perMille}\n`);
setInterval(() => undefined, 60_000);
