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
