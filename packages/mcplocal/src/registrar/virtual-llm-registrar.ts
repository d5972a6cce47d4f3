import { systemClock, type Clock } from '@mcpctl/clock';
import {
  providerHelloReadSchema,
  type ProviderHeartbeatRequest,
  type ProviderTransport,
  type PublishedAgent,
  type ProviderRegisterRequest,
} from '@mcpctl/protocol';
import { readSessionId, writeSessionId } from '../config/session-file.js';
import { McpdHttpError, McplocalError, UnusableTransportError } from '../errors.js';
import { safeJson } from '../safe-json.js';
import type { ChannelFrame, ControlChannel } from './control-channel.js';
import { HeartbeatLoop } from './heartbeat-loop.js';
import { RecipeWakeHandler } from '../wake/recipe-wake-handler.js';
import { SleepWatch } from '../wake/sleep-watch.js';
import { withManagedServers } from '../managed/managed-wake-handler.js';
import type { WakeHandler, WakeRequest } from './wake-handler.js';
import { ReconnectSchedule } from './reconnect-schedule.js';
import { isRefusal, isRefusedToken, LOGIN_HINT, refusalLine, withLoginHint } from './refusal-message.js';
import { REREGISTERING } from './new-token-watch.js';
import { assertPublishable, buildRegisterRequest, indexByPublishedName, initialStatusOf, type InitialStatus } from './register-request.js';
import type { ProviderToPublish, RegistrarLog, SessionCredentials, VirtualLlmRegistrarOptions } from './registrar-options.js';
import { sessionCredentialsOf } from './session-credentials-of.js';
import { SessionSwitch } from './session-switch.js';
import type { StreamLife } from './stream-life.js';
import { TaskHandler } from './task-handler.js';
import { waitForCredentials } from './wait-for-credentials.js';

const DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000;
const DEFAULT_RECONNECT_BASE_MS = 5_000;
const DEFAULT_RECONNECT_MAX_MS = 60_000;
/** As long as mcpd's own drain lets tasks in flight finish (`MCPD_SHUTDOWN_DEADLINE_SECONDS`). */
const DEFAULT_REREGISTER_DRAIN_MS = 30_000;
/** A stop tells mcpd why each running task ends, waiting this long for the words to go out. */
const STOPPING_REPORT_MS = 1_000;
/** What a caller cut off by a stop is told to wait: a restarted mcplocal is back within seconds. */
const STOPPING_RETRY_AFTER_SECONDS = 5;

/**
 * Publishes local providers into mcpd's registry and serves the tasks mcpd relays for them:
 * registers, keeps the session id on disk so a restart re-adopts the same rows, holds the control
 * stream open (reconnecting with backoff, and re-registering first after a stream that was up,
 * since mcpd may have restarted), heartbeats while the stream is up, and runs infer, wake and cancel tasks.
 * Heartbeats go on while a wake runs, and each one names the wake-capable providers whose
 * backend has gone to sleep, so mcpd wakes them before their next request. After mcpd refused the
 * token, the credentials are read again before each attempt, and new ones end the wait at once.
 * A token read while the session runs is presented once mcpd says it is the same user's, or from
 * the next registration on (one mcpd refused only once it refuses the session's own too); another
 * user's ends the session and registers afresh (`SessionSwitch`).
 */
export class VirtualLlmRegistrar {
  private readonly log: RegistrarLog;
  /** What a refused token's lines say to do, naming the credentials file. */
  private readonly loginHint: string;
  private readonly sessionFilePath: string;
  private readonly providers: ReadonlyMap<string, ProviderToPublish>;
  private readonly agents: readonly PublishedAgent[];
  private readonly sleepWatch: SleepWatch;
  /** Wakes as the registrar runs them: managed servers started, and every wake told to the sleep watch. */
  private readonly wakes: WakeHandler;
  private readonly channel: ControlChannel;
  private readonly tasks: TaskHandler;
  private readonly heartbeat: HeartbeatLoop;
  private readonly reconnect: ReconnectSchedule;
  private readonly clock: Clock;
  private readonly credentials: SessionCredentials | undefined;
  private readonly sessions: SessionSwitch;
  /** Published names whose configured visibility mcpd's row was found not to have; each is told once. */
  private readonly visibilityTold = new Set<string>();
  private sessionId: string | undefined;
  private lifetime: AbortController | undefined;
  private connection: Promise<void> | undefined;
  /** The stop under way: a second call waits for it rather than running it again. */
  private stopping: Promise<void> | undefined;

  constructor(options: VirtualLlmRegistrarOptions) {
    this.log = options.log;
    this.loginHint = options.loginHint ?? LOGIN_HINT;
    this.sessionFilePath = options.sessionFilePath;
    this.clock = options.clock ?? systemClock;
    this.credentials = sessionCredentialsOf(options.credentials);
    this.providers = indexByPublishedName(options.publishedProviders);
    this.agents = options.publishedAgents ?? [];
    assertPublishable(buildRegisterRequest(options.publishedProviders, this.agents));
    this.channel = options.channel;
    this.sleepWatch = new SleepWatch({ providers: this.providers, log: this.log, onWokenUnheard: () => this.beatSoon() });
    this.wakes = this.sleepWatch.track(withManagedServers(options.wakeHandler ?? new RecipeWakeHandler({ log: this.log, clock: this.clock })));
    this.tasks = new TaskHandler({
      providers: this.providers,
      // Each task's own signal, which stop() aborts (failAll, abortAll); the stop's own word goes under its deadline.
      post: (taskId, result, signal) => this.channel.postResult(taskId, result, signal),
      wake: this.wakes,
      log: this.log,
      clock: this.clock,
      slots: options.slots,
    });
    this.heartbeat = new HeartbeatLoop({
      clock: this.clock,
      intervalMs: options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
      beat: (signal) => this.beat(signal),
      onFailure: (error) => this.log.warn(`heartbeat failed: ${describe(error)}`),
      onRecovery: () => this.log.info('heartbeat accepted again'),
    });
    this.sessions = new SessionSwitch({
      credentials: this.credentials,
      tasks: this.tasks,
      clock: this.clock,
      random: options.random ?? Math.random,
      log: this.log,
      drainMs: options.reregisterDrainMs ?? DEFAULT_REREGISTER_DRAIN_MS,
    });
    this.reconnect = new ReconnectSchedule({
      baseMs: options.reconnectBaseMs ?? DEFAULT_RECONNECT_BASE_MS,
      maxMs: options.reconnectMaxMs ?? DEFAULT_RECONNECT_MAX_MS,
      random: options.random,
    });
  }

  /** The session mcpd issued, once registered. It is a secret: valid with the owner's token. */
  getSessionId(): string | undefined {
    return this.sessionId;
  }

  /**
   * Registers and opens the control stream. Rejects when mcpd refuses the registration (the
   * message carries `HTTP <status>` and mcpd's reason) or cannot be reached; once registered,
   * a stream that will not open is retried in the background and does not fail the start.
   */
  async start(): Promise<void> {
    if (this.lifetime) throw new McplocalError('the registrar is already started');
    if (this.providers.size === 0) {
      this.log.info('nothing to publish: no provider in the configuration has "publish": true');
      return;
    }
    const lifetime = new AbortController();
    this.lifetime = lifetime;
    try {
      this.sessionId = await readSessionId(this.sessionFilePath);
      await this.register(lifetime.signal);
    } catch (error) {
      this.lifetime = undefined;
      throw withLoginHint(error, this.loginHint);
    }
    // stop() was called while the registration was on its way: do not open a stream after it returned.
    if (lifetime.signal.aborted) throw lifetime.signal.reason;
    await new Promise<void>((firstAttemptSettled) => {
      this.connection = this.holdConnection(lifetime.signal, firstAttemptSettled);
    });
  }

  /**
   * Tells mcpd why the running tasks end, closes the stream, stops the heartbeat and aborts the
   * tasks; resolves once all of it has ended.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopOnce().finally(() => (this.stopping = undefined));
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    const lifetime = this.lifetime;
    if (!lifetime) return;
    const reason = new McplocalError('mcplocal is stopping');
    const stopping = { error: 'mcplocal is stopping', retryAfterSeconds: STOPPING_RETRY_AFTER_SECONDS };
    // While the connection is still open: the callers of the tasks running hear why they end, and
    // a task that arrives meanwhile is answered so at once rather than started.
    this.tasks.refuseTasks(() => ({ ...stopping }));
    await this.tasks.failAll(stopping, reason, STOPPING_REPORT_MS);
    lifetime.abort(reason);
    this.tasks.abortAll(reason);
    this.heartbeat.stop();
    await this.connection;
    await this.tasks.settled();
    // A later start runs tasks again.
    this.tasks.acceptTasks();
    this.connection = undefined;
    this.lifetime = undefined;
    this.log.info('stopped publishing');
  }

  /**
   * Wakes a published provider's backend for a caller that is not mcpd (the local endpoint), as a
   * wake task would: the same single flight, and the sleep watch hears of it, so no heartbeat
   * calls the backend asleep while it wakes. mcpd asked for none of it: when it was told the
   * backend sleeps, a heartbeat tells it at once that it serves (the sleep watch's
   * `onWokenUnheard`), before a request there runs the recipe again.
   */
  wake(request: WakeRequest): Promise<{ ms: number }> {
    return this.wakes.wake({ ...request, withoutWakeTask: true });
  }

  /** Registers the whole published set, each wake-capable provider as its backend is right now. */
  private async register(signal: AbortSignal): Promise<void> {
    const entries = [...this.providers.values()];
    const statuses = new Map<ProviderToPublish, InitialStatus>(
      await Promise.all(entries.map(async (entry) => [entry, await initialStatusOf(entry, signal)] as const)),
    );
    const payload = buildRegisterRequest(entries, this.agents, (entry) => statuses.get(entry) ?? 'active');
    const presented = this.sessions.toPresent(this.sessionId);
    const request: ProviderRegisterRequest = presented === undefined ? payload : { providerSessionId: presented, ...payload };
    const response = await this.channel.register(request, signal).catch(async (error: unknown) => {
      if (error instanceof UnusableTransportError) {
        this.sessionId = error.registered.providerSessionId;
        // The transport's refusal is what the user must read; a file that cannot be written is said beside it.
        await this.saveSession(error.registered.providerSessionId, presented).catch((saveError: unknown) =>
          this.log.warn(`could not save the provider session for the next start: ${describe(saveError)}`),
        );
      }
      throw error;
    });
    this.sleepWatch.registeredAsleep(payload.providers.filter((provider) => provider.initialStatus === 'hibernating').map((provider) => provider.name));
    this.sessionId = response.providerSessionId;
    this.sessions.registered();
    await this.saveSession(response.providerSessionId, presented);
    // An older mcpd answers without the rows: the payload says what was published, the answer adds their states.
    const statusOf = new Map(response.llms.map((llm) => [llm.name, llm.status]));
    const names = payload.providers.map((provider) => {
      const status = statusOf.get(provider.name);
      return status ? `${provider.name} (${status})` : provider.name;
    });
    const agentCount = payload.agents?.length ?? 0;
    this.log.info(`published ${names.length} LLM(s) and ${agentCount} agent(s) to ${this.channel.peer}: ${names.join(', ')}`);
    this.tellKeptVisibility(payload.providers, response.llms);
  }

  /** Keeps the session mcpd issued for the next start, when it is not the one presented. */
  private async saveSession(providerSessionId: string, presented: string | undefined): Promise<void> {
    if (providerSessionId === presented) return;
    await writeSessionId(this.sessionFilePath, providerSessionId);
    if (presented !== undefined) this.log.info('mcpd did not know the saved provider session and issued a new one');
  }

  /**
   * Says, once per name, that config.json asks for a visibility mcpd's row does not have. mcpd
   * sets it only when it creates the row, so that an owner's later choice survives reconnects;
   * a `visibility` written into config.json after the first publish changes nothing, and
   * nothing else would say so.
   */
  private tellKeptVisibility(providers: ProviderRegisterRequest['providers'], rows: readonly { name: string; visibility?: string | null | undefined }[]): void {
    const keptOf = new Map(rows.map((row) => [row.name, row.visibility]));
    for (const { name, visibility } of providers) {
      const kept = keptOf.get(name);
      if (visibility === undefined || !kept || kept === visibility || this.visibilityTold.has(name)) continue;
      this.visibilityTold.add(name);
      this.log.warn(
        `config.json makes ${name} ${visibility}, but mcpd keeps it ${kept}: visibility is set when mcpd creates the row. ` +
          `To change it: mcpctl get llm ${name} -o yaml > ${name}.yaml, set visibility: ${visibility} there, then mcpctl apply -f ${name}.yaml`,
      );
    }
  }

  /**
   * Keeps the control stream open until stopped: after a loss, waits (under a second after a
   * stream that was up, backing off after failed attempts), registers again with the saved
   * session (mcpd may have restarted and forgotten it), and reopens. After a stream that only
   * failed to open, the registration mcpd took stands and the stream is tried again alone: each
   * register makes the rows `active` again, and a publisher nobody can reach must not read so
   * (mcpd takes the rows of a registration whose stream never opens inactive after a while).
   * `firstAttemptSettled` fires once the first stream is open or has failed.
   */
  private async holdConnection(signal: AbortSignal, firstAttemptSettled: () => void): Promise<void> {
    let registered = true;
    let previous: StreamLife | undefined;
    try {
      while (!signal.aborted) {
        const outcome = await this.openOnce(signal, registered, firstAttemptSettled, previous);
        previous = outcome;
        registered = outcome.registrationStands === true;
        firstAttemptSettled();
        if (signal.aborted) return;
        if (outcome.afresh) {
          await this.clock.sleep(this.reconnect.afresh(), signal).catch(() => undefined);
          continue;
        }
        const delayMs =
          outcome.openMs !== undefined
            ? this.reconnect.afterStreamEnded(outcome.openMs)
            : outcome.retryAfterMs !== undefined
              ? this.reconnect.afterRetryAfter(outcome.retryAfterMs)
              : this.reconnect.afterFailedAttempt();
        // Its replica drains: the next connection goes through the balancer to one that stays,
        // after the same jittered pause as any reconnect, so its publishers do not all arrive at once.
        if (outcome.moving) this.log.info(`mcpd asked this publisher to move to another replica (it is draining); reconnecting in ${delayMs} ms`);
        else if (outcome.refusal) this.log.error(`${outcome.refusal}; reconnecting in ${delayMs} ms`);
        else this.log.warn(`${outcome.openMs === undefined ? 'cannot open the control stream' : 'control stream lost'} (${outcome.reason}); reconnecting in ${delayMs} ms`);
        if (outcome.refusedGeneration === undefined) await this.clock.sleep(delayMs, signal).catch(() => undefined);
        else if ((await waitForCredentials(this.clock, this.credentials, delayMs, outcome.refusedGeneration, signal)) && !signal.aborted) {
          this.log.info('new credentials: reconnecting now');
        }
      }
    } finally {
      firstAttemptSettled();
    }
  }

  /**
   * One life of the control stream, registering first unless that was just done; after a refused
   * token, the credentials are read again first. While it runs, a token `mcpctl login` writes is
   * judged (`SessionSwitch`), which may end this life alone so the next registers afresh.
   */
  private async openOnce(signal: AbortSignal, registered: boolean, onOpen: () => void, previous: StreamLife | undefined): Promise<StreamLife> {
    let openedAt: number | undefined;
    const openMs = () => (openedAt === undefined ? undefined : this.clock.monotonic() - openedAt);
    let registration = await this.sessions.beforeAttempt(registered, previous?.refusedGeneration);
    const generation = this.credentials?.presentedGeneration ?? 0;
    const life = this.sessions.begin(signal);
    try {
      if (!registration) {
        await this.register(life.signal);
        registration = true;
      }
      const listener = {
        onOpen: (transport?: ProviderTransport) => {
          openedAt = this.clock.monotonic();
          this.heartbeat.start();
          // Without a registration just before, mcpd revived the rows as `active`: a beat now names
          // the backends that sleep, instead of the first one 30 s later.
          if (previous?.registrationStands === true) this.heartbeat.beatSoon();
          this.log.info(`control stream open${transport ? ` over ${transport}` : ''}: serving tasks from mcpd`);
          onOpen();
        },
        onFrame: (frame: ChannelFrame) => this.onFrame(frame),
      };
      const end = await this.channel.openStream(this.requireSessionId(), listener, life.signal);
      if (life.endedAfresh()) return { openMs: openMs(), reason: REREGISTERING, afresh: true };
      return { openMs: openMs(), reason: 'mcpd ended it', moving: end === 'moving' };
    } catch (error) {
      if (life.endedAfresh()) return { openMs: openMs(), reason: REREGISTERING, afresh: true };
      const streamEnded = previous?.openMs !== undefined ? previous.reason : undefined;
      const refusal = isRefusal(error) && !signal.aborted ? refusalLine(error, streamEnded, this.loginHint) : undefined;
      // mcpd named when to come back (a draining replica among others: at once, through the balancer).
      const retryAfterMs = error instanceof McpdHttpError && error.status === 503 ? error.retryAfterMs : undefined;
      // A session mcpd forgot (404), or a refusal, needs the registration again; so does a stream that was up.
      const registrationStands = registration && openedAt === undefined && !isRefusal(error) && !(error instanceof McpdHttpError && error.status === 404);
      return { openMs: openMs(), reason: describe(error), retryAfterMs, refusal, refusedGeneration: isRefusedToken(error) ? generation : undefined, registrationStands };
    } finally {
      // A drain still under way (mcpd ended the stream first) stops waiting: this life is over.
      // Its signal stays as it is: a socket mcpd asked to move carries its tasks on under it.
      life.close();
      this.heartbeat.stop();
      this.tasks.acceptTasks();
    }
  }

  private onFrame(frame: ChannelFrame): void {
    if (frame.event === 'task') return this.tasks.handleFrame(frame);
    if (frame.event === 'hello') {
      const hello = safeJson(frame.data);
      const parsed = providerHelloReadSchema.safeParse(hello);
      if (!parsed.success) return this.log.warn('ignored a malformed hello frame');
      const greeted = parsed.data.providerSessionId;
      if (typeof greeted === 'string' && greeted !== this.sessionId) this.log.warn('mcpd greeted the control stream with another session than the registered one');
      return;
    }
    this.log.warn(`ignored a control stream event of unknown type ${JSON.stringify(frame.event)}`);
  }

  /** Tells mcpd at once what changed (a managed server started or stopped) instead of at the next heartbeat. */
  beatSoon(): void {
    if (this.sessionId !== undefined) this.heartbeat.beatSoon();
  }

  private async beat(loopSignal: AbortSignal): Promise<void> {
    const signal = AbortSignal.any([loopSignal, this.lifetimeSignal()]);
    const providerSessionId = this.requireSessionId();
    const news = await this.sleepWatch.news(signal);
    const request: ProviderHeartbeatRequest = { providerSessionId };
    if (news.hibernating.length > 0) request.hibernating = news.hibernating;
    if (news.awake.length > 0) request.awake = news.awake;
    try {
      await this.channel.heartbeat(request, signal);
    } catch (error) {
      this.sleepWatch.undelivered(news);
      throw error;
    }
  }

  private requireSessionId(): string {
    if (this.sessionId === undefined) throw new McplocalError('not registered with mcpd');
    return this.sessionId;
  }

  private lifetimeSignal(): AbortSignal {
    return this.lifetime?.signal ?? AbortSignal.abort(new McplocalError('the registrar is not running'));
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
