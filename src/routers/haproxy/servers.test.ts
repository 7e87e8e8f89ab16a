import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MAX_SERVER_WEIGHT,
  parseServersState,
  parseStat,
  perMille,
  serverName,
  serverWeights,
  versionOf,
} from './servers.ts';

// Recorded from Debian's haproxy 2.6.12 (`show servers state web`, `show stat`) after
// `add server web/v1_0 127.0.0.1:18932 weight 9` and `enable server web/v1_0`, one request served.
const SERVERS_STATE = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 web 1 v1_0 127.0.0.1 2 0 9 9 3 1 0 0 0 0 0 0 - 18932 - 0 0 - - 0
3 web 2 runway-fence-4 127.0.0.1 0 1 0 0 3 1 0 0 0 0 0 0 - 1 - 0 0 - - 0
`;
const STAT = `# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt
web,FRONTEND,,,0,1,9986,1,82,460,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,0,0,1,,,,0,1,0,0,0,0,,0,1,1,,
web,v1_0,0,0,0,1,,1,82,460,,0,,0,0,0,0,no check,9,1,0,,,9,,,1,3,1,,1,,2,0,,1,,,,0,1,0,0,2,0,,,,3,0,0
web,BACKEND,0,0,0,1,999,1,82,460,0,0,,0,0,0,0,UP,9,1,0,,0,9,0,,1,3,0,,1,,1,0,,1,,,,0,1,0,0,0,0,,,,1,0,0
`;

describe('haproxy servers', () => {
  it('names a server after its version and reads the version back, whatever the version', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,40}$/), fc.nat(999), (v, i) => {
        const name = serverName(v, i);
        assert.match(name, /^[A-Za-z0-9_.:-]+$/);
        assert.equal(versionOf(name), v);
      }),
    );
    assert.equal(versionOf('runway-fence-4'), undefined);
  });

  it('parses show servers state: address, weight and maintenance', () => {
    assert.deepEqual(parseServersState(SERVERS_STATE), [
      { name: 'v1_0', address: '127.0.0.1:18932', maintenance: false, weight: 9 },
      { name: 'runway-fence-4', address: '127.0.0.1:1', maintenance: true, weight: 0 },
    ]);
  });

  it('parses show stat: the requests and status classes of the backend’s servers only', () => {
    assert.deepEqual(parseStat(STAT, 'web'), [
      { name: 'v1_0', requests: 3, codes: { '2xx': 1, '5xx': 2 }, errors: 2 },
    ]);
  });

  it('server weights are whole numbers ≤ 256 in the split’s proportions, and a positive share stays positive', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 8 }), (shares) => {
        const w = serverWeights(shares);
        const total = shares.reduce((a, b) => a + b, 0);
        assert.equal(w.length, shares.length);
        for (const [i, x] of w.entries()) {
          assert.ok(Number.isInteger(x) && x >= 0 && x <= MAX_SERVER_WEIGHT);
          assert.equal(x > 0, shares[i]! > 0 && total > 0);
        }
        const sum = w.reduce((a, b) => a + b, 0);
        // every positive share gets at least weight 1 of at most 256, so beside one large share k tiny
        // ones cost it up to ~k/256 (e.g. 1000,1,1,1,1,1,1,1 → 256,1,…,1); two versions keep 1/256
        const positive = shares.filter((s) => s > 0).length;
        const bound = (positive <= 2 ? 1 : positive) / MAX_SERVER_WEIGHT;
        if (total > 0)
          for (const [i, x] of w.entries())
            assert.ok(Math.abs(x / sum - shares[i]! / total) <= bound + 1e-9, `${shares} → ${w}`);
      }),
    );
    assert.deepEqual(serverWeights([900, 100]), [9, 1]);
    assert.deepEqual(serverWeights([990, 10]), [99, 1]);
    assert.deepEqual(serverWeights([1000, 1, 1, 1, 1, 1, 1, 1]), [256, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('per-mille read back from weights sums to 1000', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 256 }), { minLength: 1, maxLength: 6 }), (ws) => {
        const m = perMille(new Map(ws.map((w, i) => [`v${i}`, w])));
        const sum = Object.values(m).reduce((a, b) => a + b, 0);
        assert.equal(sum, ws.some((w) => w > 0) ? 1000 : 0);
      }),
    );
  });
});
