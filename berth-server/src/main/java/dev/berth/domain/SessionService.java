package dev.berth.domain;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.error.ApiException;
import dev.berth.model.MountPaths;
import dev.berth.model.Page;
import dev.berth.model.PageRequest;
import dev.berth.model.Resource;
import dev.berth.model.Session;
import dev.berth.model.SessionFilter;
import dev.berth.store.Database;
import dev.berth.store.FileStore;
import dev.berth.store.OutputStore;
import dev.berth.store.ResourceStore;
import dev.berth.store.SessionStore;
import dev.berth.store.Tx;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Sessions (spec §3): creation with its resources, reads, updates, archive and delete. */
public final class SessionService {
  public static final Set<String> STATUSES =
      Set.of("idle", "running", "rescheduling", "terminated");
  static final int MAX_INITIAL_EVENTS = 50;

  /** The most repositories one session may check out (README "GitHub repositories"). */
  static final int MAX_REPOSITORIES = 16;

  /** The most memory stores one session may mount (README "Memory stores in sessions"). */
  static final int MAX_MEMORY_STORES = 8;

  private final Database db;
  private final SessionStore sessions;
  private final ResourceStore resources;
  private final ResourceService resourceService;
  private final AgentService agents;
  private final EnvironmentService environments;
  private final FileService files;
  private final Reconciler reconciler;
  private final SessionPlacement placement;

  public SessionService(
      Database db,
      SessionStore sessions,
      ResourceStore resources,
      ResourceService resourceService,
      AgentService agents,
      EnvironmentService environments,
      FileService files,
      Reconciler reconciler,
      SessionPlacement placement) {
    this.db = db;
    this.sessions = sessions;
    this.resources = resources;
    this.resourceService = resourceService;
    this.agents = agents;
    this.environments = environments;
    this.files = files;
    this.reconciler = reconciler;
    this.placement = placement;
  }

  /** The body of {@code POST /v1/sessions}, its shapes already checked. */
  public record CreateParams(
      JsonNode agent,
      String environmentId,
      List<ResourceService.Params> resources,
      Optional<String> title,
      Map<String, String> metadata,
      List<String> vaultIds,
      Optional<JsonNode> budget,
      int initialEvents) {}

  /** The body of {@code POST /v1/sessions/{id}}: absent fields keep their values. */
  public record UpdateParams(
      Patch<String> title,
      Map<String, Optional<String>> metadata,
      Optional<JsonNode> agent,
      Patch<JsonNode> budget) {}

  /** A session with its current resources. */
  public record View(Session session, List<Resource> resources) {}

  /** Creates the session and every resource it names, all or nothing. */
  public View create(String workspaceId, CreateParams p) {
    if (p.initialEvents() > MAX_INITIAL_EVENTS) {
      throw new ApiException.InvalidRequest(
          "initial_events may hold at most " + MAX_INITIAL_EVENTS + " events");
    }
    Metadata.validate(p.metadata(), null);
    p.budget().ifPresent(SessionService::validateBudget);
    List<String> mountPaths = new ArrayList<>();
    int repositories = 0;
    int memoryStores = 0;
    for (var r : p.resources()) {
      switch (r) {
        case ResourceService.FileParams f ->
            mountPaths.add(MountPaths.effective(f.mountPath(), f.fileId()));
        case ResourceService.RepositoryParams g -> {
          mountPaths.add(g.effectiveMountPath());
          repositories++;
        }
        case ResourceService.MemoryStoreParams m -> {
          mountPaths.add(null); // made from the store's name when it is attached
          memoryStores++;
        }
      }
    }
    if (memoryStores > MAX_MEMORY_STORES) {
      throw new ApiException.InvalidRequest(
          "a session may have at most " + MAX_MEMORY_STORES + " memory_store resources");
    }
    if (repositories > MAX_REPOSITORIES) {
      throw new ApiException.InvalidRequest(
          "a session may have at most " + MAX_REPOSITORIES + " github_repository resources");
    }
    environments.requireUsable(workspaceId, p.environmentId());
    AgentService.ResolvedAgent agent = agents.resolveForSession(workspaceId, p.agent());
    String now = Timestamps.now();
    Session session =
        new Session(
            Ids.session(),
            workspaceId,
            agent.id(),
            agent.version(),
            agent.sessionAgent(),
            p.environmentId(),
            p.title(),
            p.metadata(),
            p.vaultIds(),
            p.budget(),
            "idle",
            Optional.empty(),
            now,
            now);
    List<Resource> added =
        db.write(
            tx -> {
              SessionStore.insert(tx, session);
              placement.claimNew(tx, session.id());
              List<Resource> out = new ArrayList<>();
              Set<String> taken = new HashSet<>();
              for (int i = 0; i < p.resources().size(); i++) {
                out.add(
                    switch (p.resources().get(i)) {
                      case ResourceService.FileParams f ->
                          resourceService.addFile(
                              tx, workspaceId, session.id(), f.fileId(), mountPaths.get(i), now);
                      case ResourceService.RepositoryParams g ->
                          resourceService.addRepository(
                              tx, workspaceId, session.id(), g, mountPaths.get(i), now);
                      case ResourceService.MemoryStoreParams m ->
                          resourceService.addMemoryStore(
                              tx, workspaceId, session.id(), m, taken, now);
                    });
                taken.add(out.getLast().mountPath());
              }
              return out;
            });
    resourceService.countAdded(added);
    reconciler.reconcile(session.id()); // every session has its sandbox tree, mounts or not
    return new View(session, added);
  }

  public View retrieve(String workspaceId, String sessionId) {
    Session s = sessions.find(workspaceId, sessionId).orElseThrow(() -> notFound(sessionId));
    return new View(s, resources.all(sessionId));
  }

  public Page<View> list(String workspaceId, SessionFilter filter, PageRequest page) {
    for (String status : filter.statuses()) {
      if (!STATUSES.contains(status)) {
        throw new ApiException.InvalidRequest(
            "statuses must be among idle, running, rescheduling, terminated; got '" + status + "'");
      }
    }
    Page<Session> found = sessions.list(workspaceId, filter, page);
    Map<String, List<Resource>> bySession =
        resources.allOf(found.items().stream().map(Session::id).toList());
    return found.map(s -> new View(s, bySession.getOrDefault(s.id(), List.of())));
  }

  public View update(String workspaceId, String sessionId, UpdateParams p) {
    if (p.budget().present() && p.budget().value() != null) {
      validateBudget(p.budget().value());
    }
    Session updated =
        db.write(
            tx -> {
              Session s = writable(tx, workspaceId, sessionId, "it cannot be updated");
              if (p.budget().present() && p.budget().value() != null && s.budget().isEmpty()) {
                throw new ApiException.InvalidRequest(
                    "a budget can only be set when the session is created", "budget_create_only");
              }
              if (p.budget().present()
                  && p.budget().value() != null
                  && p.budget().value().at("/max_list_cost/amount").asText().equals("0")) {
                throw new ApiException.InvalidRequest(
                    "budget.max_list_cost.amount must be above the cost already spent (0)",
                    "budget_not_raised");
              }
              if (p.agent().isPresent() && s.status().equals("running")) {
                throw new ApiException.InvalidRequest(
                    "the agent of session " + sessionId + " cannot change while it is running");
              }
              Session next =
                  s.patched(
                      p.agent().map(a -> agents.patchSessionAgent(s.agent(), a)).orElse(s.agent()),
                      Optional.ofNullable(p.title().orElse(s.title().orElse(null))),
                      Metadata.patch(s.metadata(), p.metadata(), null),
                      p.budget().present() ? Optional.ofNullable(p.budget().value()) : s.budget());
              if (next.equals(s)) {
                return s;
              }
              next = next.touched(Timestamps.now(), false);
              SessionStore.update(tx, next);
              return next;
            });
    return new View(updated, resources.all(sessionId));
  }

  /** Archives the session; archiving again keeps the first {@code archived_at} (spec §3.5). */
  public View archive(String workspaceId, String sessionId) {
    Session archived =
        db.write(
            tx -> {
              Session s = existing(tx, workspaceId, sessionId);
              if (s.isArchived()) {
                return s;
              }
              Session next = s.touched(Timestamps.now(), true);
              SessionStore.update(tx, next);
              return next;
            });
    return new View(archived, resources.all(sessionId));
  }

  /** Deletes the session, its resources, its session-scoped files and its sandbox (Q16). */
  public String delete(String workspaceId, String sessionId) {
    List<String> blobs =
        db.write(
            tx -> {
              existing(tx, workspaceId, sessionId);
              ResourceStore.deleteAll(tx, sessionId);
              OutputStore.deleteAll(tx, sessionId);
              List<String> scoped = FileStore.deleteScopedTo(tx, sessionId);
              SessionStore.delete(tx, sessionId);
              return scoped;
            });
    reconciler.destroy(sessionId);
    files.collect(new ArrayList<>(new HashSet<>(blobs)));
    return sessionId;
  }

  /** {@code {"type":"limit","max_list_cost":{"amount":"2500","currency":"USD"}}} (spec §3.0). */
  static void validateBudget(JsonNode budget) {
    if (!budget.isObject() || !"limit".equals(budget.path("type").asText(null))) {
      throw new ApiException.InvalidRequest("budget.type must be 'limit'");
    }
    JsonNode cost = budget.get("max_list_cost");
    if (cost == null || !cost.isObject()) {
      throw new ApiException.InvalidRequest("budget.max_list_cost is required");
    }
    JsonNode amount = cost.get("amount");
    if (amount == null
        || !amount.isTextual()
        || !amount.textValue().matches("0|[1-9][0-9]{0,17}")
        || new BigInteger(amount.textValue()).signum() < 0) {
      throw new ApiException.InvalidRequest(
          "budget.max_list_cost.amount must be a whole number of cents as a string, e.g. \"2500\"");
    }
    if (!"USD".equals(cost.path("currency").asText(null))) {
      throw new ApiException.InvalidRequest("budget.max_list_cost.currency must be 'USD'");
    }
    var fields = new HashSet<String>();
    budget.fieldNames().forEachRemaining(fields::add);
    cost.fieldNames().forEachRemaining(f -> fields.add("max_list_cost." + f));
    fields.removeAll(
        Set.of("type", "max_list_cost", "max_list_cost.amount", "max_list_cost.currency"));
    if (!fields.isEmpty()) {
      throw new ApiException.InvalidRequest(
          "unknown field 'budget." + fields.iterator().next() + "'");
    }
  }

  /** The caller's session, or 404. */
  static Session existing(Tx tx, String workspaceId, String sessionId) {
    return SessionStore.findForChange(tx, workspaceId, sessionId)
        .orElseThrow(() -> notFound(sessionId));
  }

  /**
   * The caller's session if it may still change: archived and terminated sessions are read-only
   * (spec Q7), and the 400 says why with {@code consequence}.
   */
  static Session writable(Tx tx, String workspaceId, String sessionId, String consequence) {
    Session s = existing(tx, workspaceId, sessionId);
    if (s.isArchived() || s.status().equals("terminated")) {
      throw new ApiException.InvalidRequest(
          "session "
              + sessionId
              + " is "
              + (s.isArchived() ? "archived" : "terminated")
              + "; "
              + consequence);
    }
    return s;
  }

  static ApiException notFound(String sessionId) {
    return new ApiException.NotFound("session '" + sessionId + "' not found");
  }
}
