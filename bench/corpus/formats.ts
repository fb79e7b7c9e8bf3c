/**
 * The programs a Docker host runs, one function per kind of output: nginx access and
 * error lines, JSON lines of Node and Go services, logfmt workers, PostgreSQL, redis,
 * Spring Boot lines and Java stack traces (every line of a trace its own record, as
 * Docker delivers them). Each returns the lines one event prints; the variable parts
 * (addresses, ids, durations, sizes, statements) are what make real logs high-entropy.
 */
import type { Rand } from './random.js';
import type { Stamp } from './stamp.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Line {
  text: string;
  level: Level | null;
  stream: 'stdout' | 'stderr';
}

/** What a format gets: randomness, the time, the service, and trace ids shared across services. */
export interface LineCtx {
  r: Rand;
  t: Stamp;
  /** The service name (the container's name without project and replica). */
  service: string;
  /** A trace id (32 hex) and a new span id (16 hex): often a trace other services also log. */
  trace(): { trace: string; span: string };
}

export type Format = (c: LineCtx) => Line[];

const out = (text: string, level: Level | null = null): Line[] => [
  { text, level, stream: level === 'error' || level === 'warn' ? 'stderr' : 'stdout' },
];

// ---- nginx

const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'kube-probe/1.30',
  'kube-probe/1.30',
  'Prometheus/2.54.1',
  'curl/8.5.0',
  'Go-http-client/1.1',
  'okhttp/4.12.0',
  'python-requests/2.32.3',
  'Googlebot/2.1 (+http://www.google.com/bot.html)',
];
const CATEGORIES = ['shoes', 'books', 'garden', 'toys', 'kitchen', 'audio', 'sports', 'outdoor'];
const TERMS = ['red+dress', 'usb-c+cable', 'coffee', 'running+shoes', 'lego', 'desk+lamp', 'tent'];

function clientIp(r: Rand): string {
  // A few heavy clients (office NAT, a crawler), then the long tail.
  if (r.chance(0.3)) return `203.0.113.${r.skewed(40)}`;
  return `${r.pick([81, 88, 93, 109, 151, 176, 185, 212])}.${r.int(256)}.${r.int(256)}.${r.int(254) + 1}`;
}

function requestPath(r: Rand): [string, string, string] {
  // [method, path, agent]: probes and API clients (short agents) besides browsers.
  const browser = () => AGENTS[r.int(5)]!;
  const client = () => AGENTS[5 + r.int(AGENTS.length - 5)]!;
  switch (r.int(16)) {
    case 0:
    case 1:
    case 2:
    case 3:
      return ['GET', '/healthz', 'kube-probe/1.30'];
    case 4:
      return ['GET', `/api/v1/orders/${r.skewed(900_000)}`, r.chance(0.5) ? browser() : client()];
    case 5:
      return [
        'GET',
        `/api/v1/products?category=${r.pick(CATEGORIES)}&page=${r.skewed(30)}`,
        client(),
      ];
    case 6:
      return ['GET', `/static/js/app.${r.hex(8)}.js`, browser()];
    case 7:
      return ['GET', `/images/products/${r.skewed(50_000)}.webp`, browser()];
    case 8:
      return ['POST', '/api/v1/cart/items', client()];
    case 9:
      return ['GET', `/search?q=${r.pick(TERMS)}&page=${r.skewed(5)}`, browser()];
    case 10:
      return ['POST', `/api/v1/orders/${r.skewed(900_000)}/payment`, 'okhttp/4.12.0'];
    case 11:
      return ['GET', '/metrics', 'Prometheus/2.54.1'];
    case 12:
      return ['GET', `/api/v2/users/${r.skewed(400_000)}/recommendations?limit=12`, client()];
    case 13:
      return ['GET', `/api/v1/stock/${r.skewed(50_000)}`, 'Go-http-client/1.1'];
    case 14:
      return ['DELETE', `/api/v1/sessions/${r.hex(16)}`, client()];
    default:
      return ['PUT', `/api/v1/cart/${r.hex(24)}`, browser()];
  }
}

const STATUS: [number, number][] = [
  [200, 7400],
  [201, 300],
  [204, 250],
  [301, 80],
  [304, 900],
  [400, 120],
  [401, 90],
  [403, 30],
  [404, 500],
  [499, 40],
  [500, 25],
  [502, 20],
  [503, 8],
  [504, 12],
];
const STATUS_CUM = STATUS.reduce<number[]>((a, [, w]) => [...a, (a.at(-1) ?? 0) + w], []);

export const nginxAccess: Format = ({ r, t }) => {
  const [method, path, agent] = requestPath(r);
  const u = r.int(STATUS_CUM.at(-1)!);
  const status = STATUS[STATUS_CUM.findIndex((c) => u < c)]![0];
  const probe = path === '/healthz' || path === '/metrics';
  const size = probe ? r.range(2, 40) : status === 304 ? 0 : Math.round(r.expo(9000));
  const rt = (0.001 + r.expo(status >= 500 ? 1.2 : 0.045)).toFixed(3);
  const referer =
    probe || r.chance(0.6)
      ? '-'
      : `https://shop.example.com${r.pick(['/', '/cart', '/checkout', '/search'])}`;
  return out(
    `${clientIp(r)} - - [${t.nginx}] "${method} ${path} HTTP/1.1" ${status} ${size} "${referer}" "${agent}" rt=${rt}`,
  );
};

export const nginxError: Format = ({ r, t }) => {
  const order = r.skewed(900_000);
  const up = `10.0.${r.int(4)}.${r.range(2, 40)}:8080`;
  const what = r.pick([
    'upstream timed out (110: Connection timed out) while reading response header from upstream',
    'connect() failed (111: Connection refused) while connecting to upstream',
    'upstream prematurely closed connection while reading response header from upstream',
  ]);
  return out(
    `${t.nginxError} [error] ${r.range(20, 40)}#${r.range(20, 40)}: *${r.range(1, 9_999_999)} ${what}, client: ${clientIp(r)}, server: shop.example.com, request: "GET /api/v1/orders/${order} HTTP/1.1", upstream: "http://${up}/api/v1/orders/${order}"`,
    'error',
  );
};

// ---- JSON services (Node pino-like, Go zap-like)

const JSON_MSGS: ((r: Rand) => [Level, string])[] = [
  (r) => ['info', `order ${r.skewed(900_000)} created`],
  (r) => ['info', `cart ${r.hex(12)} updated: ${r.range(1, 9)} items`],
  () => ['info', 'request completed'],
  () => ['info', 'request completed'],
  (r) => ['debug', `cache miss for key product:${r.skewed(50_000)}`],
  (r) => ['debug', `cache hit for key session:${r.hex(16)}`],
  (r) => [
    'info',
    `payment authorized amount=${(r.expo(60) + 1).toFixed(2)} currency=${r.pick(['EUR', 'USD', 'GBP'])}`,
  ],
  (r) => ['warn', `retrying call to inventory-service attempt ${r.range(2, 5)}`],
  (r) => [
    'warn',
    `slow query on ${r.pick(['orders', 'carts', 'products'])}: ${r.range(500, 4000)}ms`,
  ],
  (r) => ['error', `timeout calling payments-api after ${r.pick([2000, 5000, 10000])}ms`],
  (r) => ['warn', `rate limit exceeded for client ${clientIp(r)}`],
  (r) => [
    'info',
    `user ${r.skewed(400_000)} logged in via ${r.pick(['password', 'google', 'apple'])}`,
  ],
  (r) => [
    'error',
    `failed to publish event order.${r.pick(['created', 'paid', 'shipped'])}: broker connection reset`,
  ],
];

/** Go services (zap) write the time as epoch seconds; Node services (pino-style) as ISO text. */
const GO_SERVICES = new Set(['catalog-api', 'search-api', 'collector', 'auth']);

export const jsonApp: Format = ({ r, t, service, trace }) => {
  const [level, msg] = JSON_MSGS[r.int(JSON_MSGS.length)]!(r);
  const ts = GO_SERVICES.has(service) ? (t.ms / 1000).toFixed(3) : `"${t.iso}"`;
  let s = `{"level":"${level}","ts":${ts},"msg":"${msg}"`;
  // Request-scoped lines carry the trace; background ones (cache, timers) do not.
  if (r.chance(0.6)) {
    const { trace: tr, span } = trace();
    s += r.chance(0.3) ? `,"trace_id":"${tr}","span_id":"${span}"` : `,"trace_id":"${tr}"`;
  }
  if (r.chance(0.4)) s += `,"user_id":${r.skewed(400_000)}`;
  if (msg === 'request completed')
    s += `,"status":${r.chance(0.95) ? 200 : r.pick([400, 404, 409, 500])},"duration_ms":${r.expo(40).toFixed(1)}`;
  return out(`${s}}`, level);
};

// ---- logfmt workers (Go and Python job runners)

const QUEUES = ['emails', 'thumbnails', 'invoices', 'search-index', 'webhooks', 'exports'];

export const logfmtWorker: Format = ({ r, t, trace }) => {
  const q = r.pick(QUEUES);
  const job = r.hex(8);
  const { trace: tr } = trace();
  switch (r.int(8)) {
    case 0:
      return out(
        `time=${t.iso} level=info msg="job started" queue=${q} job_id=${job} trace_id=${tr}`,
        'info',
      );
    case 1:
    case 2:
    case 3:
      return out(
        `time=${t.iso} level=info msg="job completed" queue=${q} job_id=${job} attempt=1 duration=${r.expo(300).toFixed(1)}ms`,
        'info',
      );
    case 4:
      return out(
        `time=${t.iso} level=warn msg="job failed, will retry" queue=${q} job_id=${job} attempt=${r.range(1, 4)} error="context deadline exceeded" backoff=${r.pick([2, 4, 8, 16])}s`,
        'warn',
      );
    case 5:
      return out(
        `time=${t.iso} level=debug msg="fetched batch" queue=${q} size=${r.range(1, 100)} lag=${r.expo(3).toFixed(2)}s`,
        'debug',
      );
    case 6:
      return out(
        `time=${t.iso} level=info msg="sent email" template=${r.pick(['order_confirmation', 'password_reset', 'shipping_update'])} user_id=${r.skewed(400_000)} took=${r.expo(180).toFixed(1)}ms`,
        'info',
      );
    default:
      return out(
        `time=${t.iso} level=error msg="job gave up" queue=${q} job_id=${job} attempts=5 error="dial tcp 10.0.3.${r.range(2, 40)}:443: i/o timeout"`,
        'error',
      );
  }
};

// ---- PostgreSQL (log_line_prefix '%m [%p] ', log_min_duration_statement)

const STATEMENTS: ((r: Rand) => string)[] = [
  (r) =>
    `SELECT id, status, total FROM orders WHERE customer_id = ${r.skewed(400_000)} ORDER BY created_at DESC LIMIT 20`,
  (r) => `UPDATE carts SET updated_at = now(), items = $1 WHERE id = '${r.hex(24)}'`,
  (r) =>
    `SELECT p.id, p.name, p.price FROM products p JOIN stock s ON s.product_id = p.id WHERE p.category = '${r.pick(CATEGORIES)}' AND s.quantity > 0`,
  (r) =>
    `INSERT INTO order_events (order_id, kind, payload) VALUES (${r.skewed(900_000)}, 'paid', $1)`,
  () => 'SELECT count(*) FROM sessions WHERE expires_at < now()',
];

export const postgres: Format = ({ r, t }) => {
  const p = `${t.postgres} [${r.range(100, 32_000)}]`;
  const u = r.next();
  if (u < 0.55)
    return out(
      `${p} LOG:  duration: ${r.expo(250).toFixed(3)} ms  statement: ${r.pick(STATEMENTS)(r)}`,
      'info',
    );
  if (u < 0.7)
    return out(
      `${p} LOG:  connection received: host=10.0.${r.int(4)}.${r.range(2, 60)} port=${r.range(32768, 60999)}`,
      'info',
    );
  if (u < 0.8)
    return out(
      `${p} LOG:  connection authorized: user=${r.pick(['app', 'orders', 'reporting'])} database=shop application_name=${r.pick(['orders-api', 'cart-api', 'PostgreSQL JDBC Driver', 'psql'])}`,
      'info',
    );
  if (u < 0.86) return out(`${p} LOG:  checkpoint starting: time`, 'info');
  if (u < 0.92) {
    const b = r.range(200, 40_000);
    return out(
      `${p} LOG:  checkpoint complete: wrote ${b} buffers (${((b / 32768) * 100).toFixed(1)}%); 0 WAL file(s) added, 0 removed, ${r.range(0, 9)} recycled; write=${r.expo(120).toFixed(3)} s, sync=${r.expo(0.01).toFixed(3)} s, total=${r.expo(120).toFixed(3)} s; sync files=${r.range(5, 90)}, longest=0.00${r.int(9)} s, average=0.001 s; distance=${r.range(1000, 90_000)} kB, estimate=${r.range(1000, 90_000)} kB`,
      'info',
    );
  }
  if (u < 0.95)
    return out(
      `${p} LOG:  automatic vacuum of table "shop.public.${r.pick(['orders', 'carts', 'sessions', 'order_events'])}": index scans: ${r.int(3)}`,
      'info',
    );
  if (u < 0.975)
    return [
      ...out(
        `${p} ERROR:  duplicate key value violates unique constraint "order_events_pkey"`,
        'error',
      ),
      ...out(`${p} DETAIL:  Key (id)=(${r.range(1, 99_999_999)}) already exists.`, 'error'),
    ];
  if (u < 0.997)
    return [
      ...out(`${p} ERROR:  canceling statement due to statement timeout`, 'error'),
      ...out(`${p} STATEMENT:  ${r.pick(STATEMENTS)(r)}`, 'error'),
    ];
  return [
    ...out(`${p} ERROR:  deadlock detected`, 'error'),
    ...out(
      `${p} DETAIL:  Process ${r.range(100, 32_000)} waits for ShareLock on transaction ${r.range(1_000_000, 9_999_999)}; blocked by process ${r.range(100, 32_000)}.`,
      'error',
    ),
  ];
};

// ---- redis

export const redis: Format = ({ r, t }) => {
  const p = `1:M ${t.redis}`;
  switch (r.int(7)) {
    case 0:
      return out(
        `${p} * ${r.pick([1, 100, 10000])} changes in ${r.pick([3600, 300, 60])} seconds. Saving...`,
      );
    case 1:
      return out(`${p} * Background saving started by pid ${r.range(100, 99_999)}`);
    case 2:
      return out(`${r.range(100, 99_999)}:C ${t.redis} * DB saved on disk`);
    case 3:
      return out(
        `${r.range(100, 99_999)}:C ${t.redis} * Fork CoW for RDB: current ${r.range(0, 9)} MB, peak ${r.range(1, 20)} MB, average ${r.range(0, 9)} MB`,
      );
    case 4:
      return out(`${p} * Background saving terminated with success`);
    case 5:
      return out(`${p} - Accepted 10.0.${r.int(4)}.${r.range(2, 60)}:${r.range(32768, 60999)}`);
    default:
      return out(
        `${p} # WARNING: ${r.pick(['Client id=' + r.range(1, 99999) + ' addr=10.0.1.7 closed for overcoming of output buffer limits.', 'Memory overcommit must be enabled!'])}`,
        'warn',
      );
  }
};

// ---- Spring Boot (default console pattern, with Sleuth's [app,trace,span])

const JAVA_LOGGERS = [
  'c.e.shop.orders.OrderController',
  'c.e.shop.orders.OrderService',
  'c.e.shop.payments.PaymentClient',
  'o.s.web.servlet.DispatcherServlet',
  'com.zaxxer.hikari.pool.HikariPool',
  'o.h.engine.jdbc.spi.SqlExceptionHelper',
];

const JAVA_MSGS: ((r: Rand) => string)[] = [
  (r) =>
    `Created order ${r.skewed(900_000)} for customer ${r.skewed(400_000)} in ${r.range(3, 400)} ms`,
  (r) => `Completed initialization in ${r.range(1, 9)} ms`,
  (r) => `Payment ${r.hex(8)}-${r.hex(4)} captured, amount ${(r.expo(60) + 1).toFixed(2)} EUR`,
  (r) =>
    `HikariPool-1 - Pool stats (total=20, active=${r.range(0, 20)}, idle=${r.range(0, 20)}, waiting=${r.range(0, 3)})`,
  (r) => `Fetched ${r.range(0, 50)} line items for order ${r.skewed(900_000)}`,
];

export const javaApp: Format = ({ r, t, service, trace }) => {
  const { trace: tr, span } = trace();
  const level = r.chance(0.9) ? 'INFO' : 'WARN';
  const msg = JAVA_MSGS[r.int(JAVA_MSGS.length)]!(r);
  return out(
    `${t.java}  ${level.padStart(5)} [${service},${tr},${span}] 1 --- [nio-8080-exec-${r.range(1, 10)}] ${r.pick(JAVA_LOGGERS)} : ${msg}`,
    level === 'INFO' ? 'info' : 'warn',
  );
};

const EXCEPTIONS: [string, string[]][] = [
  [
    'java.lang.NullPointerException: Cannot invoke "com.example.shop.orders.Customer.getAddress()" because "customer" is null',
    [],
  ],
  ['java.lang.IllegalStateException: Order already paid', []],
  [
    'org.springframework.dao.DataIntegrityViolationException: could not execute statement; SQL [n/a]; constraint [order_events_pkey]',
    [
      'org.postgresql.util.PSQLException: ERROR: duplicate key value violates unique constraint "order_events_pkey"',
    ],
  ],
  [
    'org.springframework.web.client.ResourceAccessException: I/O error on POST request for "http://payments-api:8080/v1/charges": Read timed out',
    ['java.net.SocketTimeoutException: Read timed out'],
  ],
  [
    'org.springframework.transaction.CannotCreateTransactionException: Could not open JPA EntityManager for transaction',
    [
      'java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.',
    ],
  ],
];
const APP_FRAMES = [
  'com.example.shop.orders.OrderService.shipTo(OrderService.java:212)',
  'com.example.shop.orders.OrderService.create(OrderService.java:97)',
  'com.example.shop.orders.OrderController.create(OrderController.java:88)',
  'com.example.shop.payments.PaymentClient.charge(PaymentClient.java:64)',
  'com.example.shop.orders.OrderRepositoryImpl.save(OrderRepositoryImpl.java:41)',
];
const LIB_FRAMES = [
  'java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)',
  'java.base/java.lang.reflect.Method.invoke(Method.java:580)',
  'org.springframework.web.method.support.InvocableHandlerMethod.doInvoke(InvocableHandlerMethod.java:255)',
  'org.springframework.web.servlet.mvc.method.annotation.ServletInvocableHandlerMethod.invokeAndHandle(ServletInvocableHandlerMethod.java:118)',
  'org.springframework.web.servlet.DispatcherServlet.doDispatch(DispatcherServlet.java:1089)',
  'org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)',
  'org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:140)',
  'org.springframework.web.filter.OncePerRequestFilter.doFilter(OncePerRequestFilter.java:116)',
  'org.apache.catalina.core.StandardWrapperValve.invoke(StandardWrapperValve.java:167)',
  'org.apache.coyote.http11.Http11Processor.service(Http11Processor.java:391)',
  'org.apache.tomcat.util.net.NioEndpoint$SocketProcessor.doRun(NioEndpoint.java:1736)',
  'org.springframework.aop.framework.ReflectiveMethodInvocation.proceed(ReflectiveMethodInvocation.java:184)',
  'org.springframework.transaction.interceptor.TransactionInterceptor.invoke(TransactionInterceptor.java:119)',
  'org.hibernate.engine.jdbc.internal.ResultSetReturnImpl.executeUpdate(ResultSetReturnImpl.java:194)',
  'com.zaxxer.hikari.pool.HikariProxyPreparedStatement.executeUpdate(HikariProxyPreparedStatement.java)',
  'org.postgresql.jdbc.PgPreparedStatement.executeUpdate(PgPreparedStatement.java:152)',
  'org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2733)',
  'java.base/java.net.SocketInputStream.read(SocketInputStream.java:183)',
  'java.base/java.lang.Thread.run(Thread.java:1583)',
];

/** An ERROR line, the exception, its frames, each cause with its frames and `... N more`. */
export const javaTrace: Format = ({ r, t, service, trace }) => {
  const { trace: tr, span } = trace();
  const [ex, causes] = r.pick(EXCEPTIONS);
  const lines: Line[] = [
    ...out(
      `${t.java} ERROR [${service},${tr},${span}] 1 --- [nio-8080-exec-${r.range(1, 10)}] o.a.c.c.C.[.[.[/].[dispatcherServlet]    : Servlet.service() for servlet [dispatcherServlet] threw exception`,
      'error',
    ),
  ];
  const frames = (n: number) => {
    const start = r.int(LIB_FRAMES.length);
    for (let i = 0; i < n; i++) {
      const f = i < 2 ? r.pick(APP_FRAMES) : LIB_FRAMES[(start + i) % LIB_FRAMES.length]!;
      lines.push({ text: `\tat ${f}`, level: null, stream: 'stderr' });
    }
  };
  lines.push({ text: ex, level: null, stream: 'stderr' });
  frames(r.range(8, 24));
  for (const c of causes) {
    lines.push({ text: `Caused by: ${c}`, level: null, stream: 'stderr' });
    frames(r.range(2, 6));
    lines.push({ text: `\t... ${r.range(40, 120)} more`, level: null, stream: 'stderr' });
  }
  return lines;
};

/** Every format by name, for container mixes. */
export const FORMATS = {
  nginxAccess,
  nginxError,
  jsonApp,
  logfmtWorker,
  postgres,
  redis,
  javaApp,
  javaTrace,
} satisfies Record<string, Format>;

export type FormatName = keyof typeof FORMATS;
