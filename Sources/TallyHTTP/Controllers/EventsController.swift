import Hummingbird
import TallyCore
import TallyRepresentations

/// Tally's feed of a realm's events (docs/EVENTS.md).
struct EventsController {
    let store: any LedgerStore
    let limits: Limits
    let clock: TallyClock

    /// The page size when `limit` is absent (at most the server's page size bound).
    static let defaultLimit = 100
    /// The longest `types` list accepted, in characters.
    static let typesLengthMax = 1_024
    /// How often a waiting request looks again.
    static let waitPollInterval = Duration.milliseconds(100)

    /// `GET /api/v1/realms/{realmId}/events?after=SEQ&limit=N&types=a,b&wait=SECONDS`: the events
    /// after `after`, in sequence order, with the cursor to read on from. With `wait`, a request
    /// that finds none waits up to that long for one (a long poll), looking every 100 ms.
    @Sendable func list(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws -> Response {
        let query = QueryReader(request)
        let after = try query.integer("after", default: 0, range: 0...Int.max)
        let limit = try query.integer(
            "limit", default: min(Self.defaultLimit, limits.pageSizeMax), range: 1...limits.pageSizeMax)
        let types = try Self.types(try query.string("types", maxLength: Self.typesLengthMax))
        let wait = try query.integer("wait", default: 0, range: 0...limits.eventsWaitSecondsMax)
        // One more than the page, to say whether more follow.
        var events = try await store.events(in: realmID, after: Int64(after), limit: limit + 1, types: types)
        let deadline = clock.now.advanced(by: .seconds(wait))
        while events.isEmpty && clock.now < deadline {
            try await clock.sleep(for: Self.waitPollInterval)
            events = try await store.events(in: realmID, after: Int64(after), limit: limit + 1, types: types)
        }
        let page = events.prefix(limit)
        return JSONResponse.make(
            .ok,
            Representation.ListBody(
                page.map(Representation.EventBody.init),
                meta: Representation.EventFeedMeta(next: page.last?.sequence, hasMore: events.count > limit)))
    }

    /// The types a comma-separated list names, or nil (every type) when absent or empty.
    static func types(_ text: String?) throws(TallyError) -> Set<EventType>? {
        guard let text, !text.isEmpty else { return nil }
        return try EventType.parse(text.split(separator: ",", omittingEmptySubsequences: false), field: "types")
    }
}
