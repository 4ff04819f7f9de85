#!/usr/bin/env node
// Renders deploy/nats/authorization.conf: the NATS users of a Baton installation and what each
// may publish and subscribe to (docs/deployment-security.md).
//
//   node deploy/nats/render-authorization.mjs > deploy/nats/authorization.conf
//   node deploy/nats/render-authorization.mjs --namespace staging > authorization.staging.conf
//   node deploy/nats/render-authorization.mjs --app-subjects 'orders.>,ops.>' --worker-task-types charge-card
//
// Options:
//   --namespace <ns>            BATON_NAMESPACE of the installation: subjects get a `<ns>.` prefix,
//                               streams a `<NS>_` prefix, exactly as libs/messaging qualifies them.
//   --app-subjects <a,b,...>    the subjects `publish` steps and `nats` notifications may target,
//                               and that business systems (user `app`) use. Default `>`: any subject
//                               outside Baton's own (those are denied explicitly). Name your prefixes
//                               for a tighter configuration without deny lists.
//   --worker-task-types <a,b>   limit user `worker` to these task types (durables `worker-<type>`).
//                               Default: any task type except the executor's built-in ones.
//
// The rules mirror the code: libs/contracts/src/subjects.ts (subjects, streams),
// libs/messaging (stream and consumer set-up, acks, dead letters, RPC), and each service's
// @OnJetStreamMessage consumers, @RpcHandler responders and RpcClient calls.
// test/nats-security.test.ts checks that the checked-in authorization.conf is this script's
// output and runs the platform against it.
import process from 'node:process';
import { pathToFileURL } from 'node:url';

/** libs/contracts/src/subjects.ts `Streams`. */
const STREAMS = ['BATON_EVENTS', 'BATON_COMMANDS', 'BATON_TASKS', 'BATON_RESULTS', 'BATON_LIFECYCLE', 'BATON_DLQ', 'BATON_AUDIT'];
/** The executor's built-in task types (`BUILTIN_TASK_TYPES`). */
const BUILTIN_TASK_TYPES = ['http', 'publish'];
const SERVICES = ['gateway', 'registry', 'scheduler', 'coordinator', 'executor', 'notifier'];
/** The registry's RPC patterns, `baton.rpc.registry.<call>` (libs/contracts/src/rpc.ts). */
const REGISTRY_RPCS = ['register', 'validate', 'list', 'get', 'scheduled', 'triggers-for-event'];

export function renderAuthorization(options = {}) {
  const namespace = options.namespace ?? '';
  if (!/^([a-z0-9_-]+)?$/.test(namespace)) throw new Error(`namespace '${namespace}' must be lower-case letters, digits, "_" or "-"`);
  const appSubjects = options.appSubjects?.length ? options.appSubjects : ['>'];
  for (const subject of appSubjects) {
    if (!subject.split('.').every((token, i, all) => /^[^\s*>]+$|^\*$/.test(token) || (token === '>' && i === all.length - 1))) {
      throw new Error(`invalid application subject '${subject}'`);
    }
  }
  const workerTaskTypes = options.workerTaskTypes ?? [];
  for (const type of workerTaskTypes) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(type) || BUILTIN_TASK_TYPES.includes(type)) throw new Error(`invalid worker task type '${type}'`);
  }

  /** `baton.x` → `<ns>.baton.x`; `BATON_X` → `<NS>_BATON_X` (NatsClient.subject / streamName). */
  const s = (logical) => (namespace ? `${namespace}.${logical}` : logical);
  const stream = (name) => (namespace ? `${namespace.toUpperCase().replace(/-/g, '_')}_${name}` : name);

  // ---- rule groups: each is { why, subjects } -------------------------------------------------

  const inboxes = { why: 'replies: JetStream API answers, publish acks, pulled messages, RPC replies', subjects: ['_INBOX.>'] };

  const jetstreamSetup = {
    why:
      'JetStream set-up at start (NatsClient): every service checks the account ($JS.API.INFO) and creates or ' +
      'updates all seven Baton streams (STREAM.INFO then UPDATE, CREATE when missing), so each service may ' +
      'reconfigure every Baton stream, but not delete or purge one',
    subjects: [
      '$JS.API.INFO',
      ...STREAMS.flatMap((name) => ['INFO', 'CREATE', 'UPDATE'].map((op) => `$JS.API.STREAM.${op}.${stream(name)}`)),
    ],
  };

  /** A durable pull consumer as JetStreamConsumers runs it. */
  const consumer = (streamName, durable, filter) => ({
    why: `consumer ${durable} on ${stream(streamName)} (${s(filter)}): info, create/update with its filter, pull, ack, dead letters`,
    subjects: [
      `$JS.API.CONSUMER.INFO.${stream(streamName)}.${durable}`,
      `$JS.API.CONSUMER.CREATE.${stream(streamName)}.${durable}.${s(filter)}`,
      `$JS.API.CONSUMER.MSG.NEXT.${stream(streamName)}.${durable}`,
      `$JS.ACK.${stream(streamName)}.${durable}.>`,
      s(`baton.dlq.${durable}`),
    ],
  });

  const serves = (service, what) =>
    what
      ? { why: `RPC responder (queue group, every replica): ${what}, and its health check`, subjects: [s(`baton.rpc.${service}.>`)] }
      : { why: 'its health check, called by the gateway’s /health/ready', subjects: [s(`baton.rpc.${service}.health`)] };

  const calls = (why, patterns) => ({ why: `RPC calls: ${why}`, subjects: patterns.map((p) => s(`baton.rpc.${p}`)) });

  const publishes = (why, subjects) => ({ why, subjects: subjects.map(s) });

  const findStream = {
    why: 'a publish to a user subject first asks which stream, if any, captures it (SubjectPublisher)',
    subjects: ['$JS.API.STREAM.NAMES'],
  };

  const userSubjects = (why) => ({
    why: `${why}${appSubjects.includes('>') ? ' (any subject; the deny list keeps it off Baton’s own)' : ''}`,
    subjects: appSubjects,
  });

  /** What a user that may publish to any subject (`>`) must still not touch. */
  const guard = [
    {
      why: 'Baton’s internal subjects: commands, task dispatches, results, run lifecycle, audit, dead letters',
      subjects: ['baton.cmd.>', 'baton.tasks.>', 'baton.results.>', 'baton.lifecycle.>', 'baton.audit.>', 'baton.dlq.>'].map(s),
    },
    {
      why: 'reconfiguring Baton’s streams (the services need this at start, others do not)',
      subjects: STREAMS.flatMap((name) => [`$JS.API.STREAM.CREATE.${stream(name)}`, `$JS.API.STREAM.UPDATE.${stream(name)}`]),
    },
    {
      why: 'the services’ RPC subjects',
      subjects: [
        ...SERVICES.filter((x) => x !== 'registry').map((x) => s(`baton.rpc.${x}.>`)),
        ...REGISTRY_RPCS.map((c) => s(`baton.rpc.registry.${c}`)),
      ],
    },
    { why: 'other clients’ reply subjects (answers to requests received are still allowed by allow_responses)', subjects: ['_INBOX.>'] },
    {
      why: 'destructive or administrative JetStream API calls',
      subjects: [
        ...['DELETE', 'PURGE', 'MSG', 'SNAPSHOT', 'RESTORE', 'LEADER', 'PEER', 'TEMPLATE'].map((op) => `$JS.API.STREAM.${op}.>`),
        '$JS.API.STREAM.LIST',
        '$JS.API.DIRECT.>',
        ...['DELETE', 'DURABLE', 'LEADER', 'PAUSE', 'UNPIN', 'RESET', 'LIST', 'NAMES'].map((op) => `$JS.API.CONSUMER.${op}.>`),
        '$JS.API.ACCOUNT.>',
        '$JS.API.META.>',
        '$JS.API.SERVER.>',
      ],
    },
    {
      why: 'consumers, pulls and acks on Baton’s streams other than its own consumers',
      subjects: STREAMS.flatMap((name) => [
        `$JS.API.CONSUMER.CREATE.${stream(name)}`,
        `$JS.API.CONSUMER.CREATE.${stream(name)}.>`,
        `$JS.API.CONSUMER.MSG.NEXT.${stream(name)}.*`,
        `$JS.ACK.${stream(name)}.>`,
      ]),
    },
    { why: 'system, key-value and object-store subjects', subjects: ['$SYS.>', '$KV.>', '$O.>', '$JSC.>'] },
  ];

  // ---- the services -------------------------------------------------------------------------

  const rpcCatalogue = {
    registry: ['register', 'validate', 'list', 'get'],
    coordinator: ['start-run', 'get-run', 'list-runs', 'run-history', 'operate-run', 'signal-run', 'insights'],
    scheduler: ['rejected-events', 'list-schedules', 'operate-schedule', 'fire-schedule'],
    notifier: ['list-deliveries', 'list-rules', 'put-rule', 'delete-rule'],
  };

  const services = {
    gateway: {
      about: 'the HTTP and gRPC API: calls the other services, publishes events and audit records, reads the audit log',
      publish: [
        jetstreamSetup,
        calls('every API operation, and the health of each service for /health/ready', [
          ...Object.entries(rpcCatalogue).flatMap(([svc, ps]) => ps.map((p) => `${svc}.${p}`)),
          ...SERVICES.filter((x) => x !== 'gateway').map((x) => `${x}.health`),
        ]),
        publishes('POST /v1/events and the gRPC PublishEvent: CloudEvents into BATON_EVENTS', ['baton.events.>']),
        publishes('the audit log: baton.audit.allowed and baton.audit.denied', ['baton.audit.>']),
        {
          why: 'GET /v1/audit reads BATON_AUDIT by sequence (STREAM.INFO above, then MSG.GET)',
          subjects: [`$JS.API.STREAM.MSG.GET.${stream('BATON_AUDIT')}`],
        },
      ],
      subscribe: [inboxes, serves('gateway')],
    },
    registry: {
      about: 'workflow definitions: answers RPC only, publishes nothing',
      publish: [jetstreamSetup],
      subscribe: [inboxes, serves('registry', 'register, validate, list, get, scheduled, triggers-for-event')],
    },
    scheduler: {
      about: 'event triggers and cron schedules: starts (and for overlapping schedules cancels) runs',
      publish: [
        jetstreamSetup,
        consumer('BATON_EVENTS', 'scheduler-event-triggers', 'baton.events.>'),
        publishes('start and cancel runs (outbox relay and event triggers)', ['baton.cmd.start-run', 'baton.cmd.cancel-run']),
        calls('definitions with schedules and triggers, and the state of a schedule’s last run', [
          'registry.scheduled',
          'registry.triggers-for-event',
          'coordinator.get-run',
        ]),
      ],
      subscribe: [inboxes, serves('scheduler', 'schedules and rejected events')],
    },
    coordinator: {
      about: 'runs: consumes commands, task results and events; dispatches tasks; emits lifecycle events',
      publish: [
        jetstreamSetup,
        consumer('BATON_EVENTS', 'coordinator-event-waits', 'baton.events.>'),
        consumer('BATON_COMMANDS', 'coordinator-start-run', 'baton.cmd.start-run'),
        consumer('BATON_COMMANDS', 'coordinator-cancel-run', 'baton.cmd.cancel-run'),
        consumer('BATON_COMMANDS', 'coordinator-step-due', 'baton.cmd.step-due'),
        consumer('BATON_RESULTS', 'coordinator-task-results', 'baton.results.task'),
        publishes('outbox relay: sub-workflow runs, cancellations and durable timers', [
          'baton.cmd.start-run',
          'baton.cmd.cancel-run',
          'baton.cmd.step-due',
        ]),
        publishes('outbox relay: task dispatches of every task type (built-in and external workers)', ['baton.tasks.>']),
        publishes('outbox relay: a child run’s result to its parent run', ['baton.results.task']),
        publishes('outbox relay: run lifecycle events and SLA alerts', ['baton.lifecycle.>']),
        calls('pinned workflow definitions', ['registry.get']),
      ],
      subscribe: [inboxes, serves('coordinator', 'runs and insights')],
    },
    executor: {
      about: 'built-in task types http and publish: reports results; publish steps target user subjects',
      publish: [
        jetstreamSetup,
        ...BUILTIN_TASK_TYPES.map((type) => consumer('BATON_TASKS', `executor-${type}`, `baton.tasks.${type}`)),
        publishes('task results and heartbeats', ['baton.results.task']),
        findStream,
        publishes('publish steps may announce business events', ['baton.events.>']),
        userSubjects('publish steps: the subjects workflows name'),
      ],
      subscribe: [inboxes, serves('executor')],
      userSubjects: true,
    },
    notifier: {
      about: 'notifications on run lifecycle events; the nats channel targets user subjects',
      publish: [
        jetstreamSetup,
        consumer('BATON_LIFECYCLE', 'notifier-lifecycle', 'baton.lifecycle.>'),
        publishes('dead-lettered notification deliveries', ['baton.dlq.notifier-deliveries']),
        calls('the notification rules of a workflow definition', ['registry.get']),
        findStream,
        publishes('nats notifications may target business event subjects', ['baton.events.>']),
        userSubjects('nats notifications: the subjects rules name'),
      ],
      subscribe: [inboxes, serves('notifier', 'notification rules and deliveries')],
      userSubjects: true,
    },
  };

  // ---- users ------------------------------------------------------------------------------------

  const users = [];
  for (const name of SERVICES) {
    const service = services[name];
    users.push({
      name,
      about: `${name}: ${service.about}`,
      publish: service.publish,
      deny: service.userSubjects ? guardFor(service.publish, guard, appSubjects) : [],
      subscribe: service.subscribe,
      allowResponses: true,
    });
  }

  // all-in-one: services/all-in-one runs the six services in one process, each with its own
  // connection but the same NATS_USER, so it needs the union of their rights.
  const allPublish = mergeGroups(SERVICES.map((n) => services[n].publish).flat());
  users.push({
    name: 'all-in-one',
    about: 'all-in-one: the six services in one process (services/all-in-one), each with its own connection: the union of their rights',
    publish: allPublish,
    deny: guardFor(allPublish, guard, appSubjects),
    subscribe: mergeGroups(SERVICES.map((n) => services[n].subscribe).flat()),
    allowResponses: true,
  });

  // worker: an external task worker (libs/sdk BatonWorker, or any NATS client following the
  // worker contract): its own durable consumers worker-<type> on the tasks work queue.
  const tasks = stream('BATON_TASKS');
  const durables = workerTaskTypes.length ? workerTaskTypes.map((t) => `worker-${t}`) : ['*'];
  const filterOf = (durable) => (durable === '*' ? s('baton.tasks.*') : s(`baton.tasks.${durable.slice('worker-'.length)}`));
  users.push({
    name: 'worker',
    about:
      'worker: external task workers (libs/sdk BatonWorker): their own consumers on the BATON_TASKS work queue, results on baton.results.task',
    publish: [
      { why: 'JetStream account check (jetstreamManager)', subjects: ['$JS.API.INFO'] },
      {
        why: workerTaskTypes.length
          ? `consumers ${durables.join(', ')}: info, create/update, pull, ack`
          : 'consumers worker-<type> on the tasks stream, one task type each: info, create/update, pull, ack',
        subjects: durables.flatMap((d) => [
          `$JS.API.CONSUMER.INFO.${tasks}.${d}`,
          `$JS.API.CONSUMER.CREATE.${tasks}.${d}.${filterOf(d)}`,
          `$JS.API.CONSUMER.MSG.NEXT.${tasks}.${d}`,
          `$JS.ACK.${tasks}.${d}.>`,
        ]),
      },
      publishes('task results and heartbeats', ['baton.results.task']),
    ],
    deny: workerTaskTypes.length
      ? []
      : [
          {
            why: 'the executor’s consumers of the built-in task types: a worker may not take, reconfigure or ack their dispatches',
            subjects: [
              ...BUILTIN_TASK_TYPES.map((t) => `$JS.API.CONSUMER.CREATE.${tasks}.*.${s(`baton.tasks.${t}`)}`),
              ...BUILTIN_TASK_TYPES.flatMap((t) => [
                `$JS.API.CONSUMER.CREATE.${tasks}.executor-${t}.>`,
                `$JS.API.CONSUMER.MSG.NEXT.${tasks}.executor-${t}`,
                `$JS.ACK.${tasks}.executor-${t}.>`,
              ]),
            ],
          },
        ],
    subscribe: [inboxes],
    allowResponses: false,
  });

  // app: business systems: publish CloudEvents into Baton, receive what workflows publish.
  const subscribeGuard = [
    {
      why: 'Baton’s internal traffic: commands, dispatches, results, lifecycle, audit, dead letters, RPC',
      subjects: ['baton.cmd.>', 'baton.tasks.>', 'baton.results.>', 'baton.lifecycle.>', 'baton.audit.>', 'baton.dlq.>', 'baton.rpc.>'].map(
        s,
      ),
    },
    { why: 'JetStream API traffic, system, key-value and object-store subjects', subjects: ['$JS.>', '$SYS.>', '$KV.>', '$O.>', '$JSC.>'] },
  ];
  users.push({
    name: 'app',
    about: 'app: business systems: publish CloudEvents to baton.events.>, receive what publish steps and nats notifications send',
    publish: [
      publishes('CloudEvents that trigger runs and complete waitForEvent steps (through JetStream: acks on _INBOX)', ['baton.events.>']),
      userSubjects('application subjects'),
    ],
    deny: guardFor([publishes('', ['baton.events.>'])], guard, appSubjects),
    subscribe: [
      inboxes,
      publishes('business events, e.g. announced by publish steps', ['baton.events.>']),
      userSubjects('what publish steps and nats notifications send'),
    ],
    subscribeDeny: guardFor([inboxes, publishes('', ['baton.events.>'])], subscribeGuard, appSubjects),
    allowResponses: true,
  });

  return render(users, { namespace, appSubjects, workerTaskTypes });
}

/** Subject patterns a and b could match one same subject (NATS tokens, `*` and `>`). */
export function overlaps(a, b) {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (i >= x.length || i >= y.length) return false;
    if (x[i] === '>' || y[i] === '>') return true;
    if (x[i] !== '*' && y[i] !== '*' && x[i] !== y[i]) return false;
  }
  return true;
}

/**
 * The guard entries a user needs as deny rules: those its user subjects would otherwise open, minus
 * those that would also block a subject it needs (a deny always wins over an allow).
 */
function guardFor(allowGroups, guard, appSubjects) {
  const needed = allowGroups.flatMap((g) => g.subjects).filter((subject) => !appSubjects.includes(subject));
  return guard
    .map((g) => ({
      why: g.why,
      subjects: g.subjects.filter((d) => appSubjects.some((a) => overlaps(a, d)) && !needed.some((n) => overlaps(n, d))),
    }))
    .filter((g) => g.subjects.length > 0);
}

/** Groups with the same reason merged, subjects listed once (the first group that names one keeps it). */
function mergeGroups(groups) {
  const seen = new Set();
  const byWhy = new Map();
  for (const group of groups) {
    const fresh = group.subjects.filter((subject) => !seen.has(subject));
    fresh.forEach((subject) => seen.add(subject));
    if (fresh.length === 0) continue;
    const existing = byWhy.get(group.why);
    if (existing) existing.subjects.push(...fresh);
    else byWhy.set(group.why, { why: group.why, subjects: fresh });
  }
  return [...byWhy.values()];
}

function render(users, { namespace, appSubjects, workerTaskTypes }) {
  const args = [
    namespace ? `--namespace ${namespace}` : '',
    appSubjects.join(',') !== '>' ? `--app-subjects '${appSubjects.join(',')}'` : '',
    workerTaskTypes.length ? `--worker-task-types ${workerTaskTypes.join(',')}` : '',
  ].filter(Boolean);
  const out = [];
  const line = (text = '') => out.push(text);
  line('# GENERATED by deploy/nats/render-authorization.mjs; edit that script, not this file:');
  line(`#   node deploy/nats/render-authorization.mjs${args.length ? ` ${args.join(' ')}` : ''} > authorization.conf`);
  line('#');
  line(`# NATS users of a Baton installation (BATON_NAMESPACE=${namespace || '<empty>'}); included by nats-server.secure.conf.`);
  line('# Each password is read from the nats-server process environment ($BATON_NATS_<USER>_PASSWORD; the');
  line('# server refuses to start when one is missing). A variable may hold a bcrypt hash (`nats server passwd`)');
  line('# instead of the password itself. Each Baton service connects with NATS_USER/NATS_PASSWORD.');
  line('# A subject must match an allow rule and no deny rule (deny wins). See docs/deployment-security.md.');
  line('authorization {');
  line('  users: [');
  for (const user of users) {
    line();
    line(`    # ${user.about}`);
    line('    {');
    line(`      user: ${quote(user.name)}`);
    line(`      password: $BATON_NATS_${user.name.toUpperCase().replace(/-/g, '_')}_PASSWORD`);
    line('      permissions: {');
    line('        publish: {');
    renderList(line, 'allow', user.publish);
    if (user.deny.length) renderList(line, 'deny', user.deny);
    line('        }');
    line('        subscribe: {');
    renderList(line, 'allow', user.subscribe);
    if (user.subscribeDeny?.length) renderList(line, 'deny', user.subscribeDeny);
    line('        }');
    if (user.allowResponses) {
      line('        # May answer requests it received (RPC replies to the caller’s _INBOX), nothing else there.');
      line('        allow_responses: true');
    }
    line('      }');
    line('    }');
  }
  line('  ]');
  line('}');
  return `${out.join('\n')}\n`;
}

function renderList(line, key, groups) {
  line(`          ${key}: [`);
  for (const group of groups) {
    for (const text of wrap(group.why, 100)) line(`            # ${text}`);
    for (const subject of group.subjects) line(`            ${quote(subject)}`);
  }
  line('          ]');
}

const quote = (value) => JSON.stringify(value);

/** Words into lines of at most `width` characters. */
function wrap(text, width) {
  const lines = [];
  let current = '';
  for (const word of text.split(' ')) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(current);
  return lines;
}

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i] ?? '';
    const list = () =>
      value()
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
    if (flag === '--namespace') options.namespace = value();
    else if (flag === '--app-subjects') options.appSubjects = list();
    else if (flag === '--worker-task-types') options.workerTaskTypes = list();
    else throw new Error(`unknown option ${argv[i]} (see the comment at the top of render-authorization.mjs)`);
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    process.stdout.write(renderAuthorization(parseArgs(process.argv.slice(2))));
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
