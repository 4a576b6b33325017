/// A record to load and the line of the file it came from, so that an error can name it.
public struct Lined<Value: Sendable>: Sendable {
    public let value: Value
    public let line: Int

    public init(_ value: Value, line: Int) {
        self.value = value
        self.line = line
    }
}

/// Records to load together, in the order a load takes them: a realm before what it holds,
/// currencies and members before the balances and entries that name them, a ghost credential
/// after the member it may be linked to.
public enum LoadChunk: Sendable {
    /// A new realm, with its id and times as given.
    case realm(Lined<Realm>)
    /// A realm that must already exist (member import); `Not Found` otherwise.
    case existingRealm(RealmID)
    case currencies([Lined<Currency>])
    case members([Lined<Member>])
    /// Ghost credentials, each with its balance holder.
    case credentials([Lined<GhostCredential>])
    /// Balance holders of deleted ghost credentials.
    case holders([Lined<BalanceHolder>])
    /// Journal entries as given (ids, times, before and after); each store numbers them in
    /// the order given, after every entry it already holds. `sequence` is not read.
    case entries([Lined<JournalEntry>])
    case balances([Lined<StoredBalance>])
    case keys([Lined<APIKey>])
}

/// Where a load pulls its chunks from: a file being read. One load calls `next` from one task
/// at a time, until it returns nil (the end) or throws (the load is then undone).
public protocol LoadSource: AnyObject, Sendable {
    func next() throws -> LoadChunk?
}

/// The load side of the storage contract (`tally import`, `tally member import`): writes every
/// chunk a source yields in one transaction, so that a file goes in whole or not at all.
/// Memory stays bounded by one chunk: each is written before the next is pulled.
///
/// The load writes records as given; the source has checked them (`ImportChecker`), and the
/// schema's constraints still hold. A record that clashes with one stored (a realm or
/// currency id taken, a subdomain taken, a credential held by another member) throws
/// `CONFLICT`, and a record naming something absent (a member, a currency) throws
/// `VALIDATION_ERROR`; both name the record's line. A storage failure is `UNAVAILABLE`.
/// Nothing of a failed load stays.
public protocol LedgerLoader: Sendable {
    func load(_ source: any LoadSource) async throws -> LoadSummary
}

/// What a load wrote.
public struct LoadSummary: Sendable, Equatable {
    public var realms = 0
    public var currencies = 0
    public var members = 0
    public var credentials = 0
    public var holders = 0
    public var entries = 0
    public var balances = 0
    public var keys = 0

    public init() {}

    /// Counts the records of `chunk`.
    public mutating func count(_ chunk: LoadChunk) {
        switch chunk {
        case .realm: realms += 1
        case .existingRealm: break
        case .currencies(let rows): currencies += rows.count
        case .members(let rows): members += rows.count
        case .credentials(let rows): credentials += rows.count
        case .holders(let rows): holders += rows.count
        case .entries(let rows): entries += rows.count
        case .balances(let rows): balances += rows.count
        case .keys(let rows): keys += rows.count
        }
    }
}
