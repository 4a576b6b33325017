import TallyCore

/// The controllers of one router, made once when it is built; the table of operations takes
/// each operation's handler from here.
struct Controllers: Sendable {
    let balances: BalancesController
    let members: MembersController
    let currencies: CurrenciesController
    let realms: RealmsController
    let accounts: AccountsController
    let credentials: CredentialsController
    let legacy: LegacyRealmController
    let events: EventsController
    let webhooks: WebhooksController
    let health: HealthController
    let document: DocumentController
    let metrics: MetricsController

    init(
        store: any LedgerStore, limits: Limits, document: String, metrics: ServerMetrics, clock: TallyClock = .system,
        webhooksAllowPrivate: Bool = false
    ) {
        balances = BalancesController(store: store, limits: limits)
        members = MembersController(store: store, limits: limits)
        currencies = CurrenciesController(store: store, limits: limits)
        realms = RealmsController(store: store, limits: limits)
        accounts = AccountsController(store: store, limits: limits)
        credentials = CredentialsController(store: store, limits: limits)
        legacy = LegacyRealmController(store: store, limits: limits)
        events = EventsController(store: store, limits: limits, clock: clock)
        webhooks = WebhooksController(
            store: store, limits: limits, clock: clock, allowPrivate: webhooksAllowPrivate)
        health = HealthController(store: store)
        self.document = DocumentController(json: document)
        self.metrics = MetricsController(metrics: metrics)
    }
}
