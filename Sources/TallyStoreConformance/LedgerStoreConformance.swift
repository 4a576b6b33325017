import TallyCore

/// One suite of behaviours every `LedgerStore` must show, run unchanged against each backend
/// (the idea of FluentBenchmark). A backend's test target runs every case in
/// `LedgerStoreConformance.cases` against fresh stores from its own factory.
public enum LedgerStoreConformance {
    /// Makes fresh, empty, migrated stores that run (their services too) until the case ends.
    public struct Factory: Sendable {
        private let make: @Sendable (TallyClock) async throws -> any LedgerStore

        /// A factory whose stores stamp their records with the clock they are given.
        public init(_ make: @escaping @Sendable (_ clock: TallyClock) async throws -> any LedgerStore) {
            self.make = make
        }

        /// A fresh store on `clock` (the wall clock unless a case drives time itself).
        public func callAsFunction(clock: TallyClock = .system) async throws -> any LedgerStore {
            try await make(clock)
        }
    }

    /// One named behaviour.
    public struct Case: Sendable, CustomStringConvertible {
        /// What the case shows.
        public let name: String
        /// Runs the case; throws `ConformanceFailure` (or any error) when the store misbehaves.
        public let run: @Sendable (Factory) async throws -> Void

        public var description: String { name }
    }

    /// Every case, in the order the behaviours build on each other.
    public static let cases: [Case] =
        BatchCases.all + RejectionCases.all + ConcurrencyCases.all + RecordCases.all + QueryCases.all
        + CurrencyCases.all + IdempotencyCases.all + WriteCases.all + TimeCases.all + CredentialCases.all
        + ExportCases.all + LoadCases.all + EventCases.all + WebhookCases.all + OverviewCases.all
}

/// A store did not behave as the contract says.
public struct ConformanceFailure: Error, CustomStringConvertible {
    /// What was expected and what happened.
    public let description: String
    /// Where in the suite.
    public let location: String

    init(_ description: String, file: StaticString = #fileID, line: UInt = #line) {
        self.description = description
        self.location = "\(file):\(line)"
    }
}

/// Throws unless `actual == expected`.
func expectEqual<T: Equatable>(
    _ actual: T, _ expected: T, _ what: String, file: StaticString = #fileID, line: UInt = #line
) throws {
    guard actual == expected else {
        throw ConformanceFailure("\(what): expected \(expected), got \(actual)", file: file, line: line)
    }
}

/// Throws unless `condition`.
func expectTrue(_ condition: Bool, _ what: String, file: StaticString = #fileID, line: UInt = #line) throws {
    guard condition else { throw ConformanceFailure(what, file: file, line: line) }
}

/// Runs `body` and returns the `TallyError` it throws; fails if it succeeds or throws anything else.
func expectTallyError(
    _ code: TallyError.Code, _ what: String, file: StaticString = #fileID, line: UInt = #line,
    _ body: () async throws -> Void
) async throws -> TallyError {
    do {
        try await body()
    } catch let error as TallyError {
        guard error.code == code else {
            throw ConformanceFailure("\(what): expected \(code.rawValue), got \(error)", file: file, line: line)
        }
        return error
    }
    throw ConformanceFailure("\(what): expected \(code.rawValue), but it succeeded", file: file, line: line)
}

/// A realm with a default currency and some members, the starting point of most cases.
struct Fixture {
    let store: any LedgerStore
    let realm: Realm
    let points: Currency
    let members: [Member]

    static func make(
        _ factory: LedgerStoreConformance.Factory, members count: Int = 3,
        points draft: CurrencyDraft = CurrencyDraft(name: "Points", isDefault: true), clock: TallyClock = .system
    ) async throws -> Fixture {
        let store = try await factory(clock: clock)
        let realm = try await store.createRealm(name: "Conformance")
        let points = try await store.createCurrency(draft, in: realm.id)
        var members = [Member]()
        for index in 0..<count {
            members.append(try await store.createMember(Credentials(username: "member\(index)"), in: realm.id))
        }
        return Fixture(store: store, realm: realm, points: points, members: members)
    }

    func batch(_ changes: [(Int, Int64)], currency: CurrencyID? = nil, initiator: String? = nil) throws -> Batch {
        try Batch(
            realmID: realm.id,
            changes: changes.map { Change(memberID: members[$0.0].id, amount: $0.1, currencyID: currency) },
            initiatorID: initiator)
    }

    func balance(_ member: Int, _ currency: CurrencyID? = nil) async throws -> Int64 {
        try await store.balance(
            BalanceKey(currencyID: currency ?? points.id, memberID: members[member].id), in: realm.id)
    }

    func expectClean(file: StaticString = #fileID, line: UInt = #line) async throws {
        let report = try await store.verify { _ in }
        try expectTrue(
            report.isClean, "verify should find no violation, found \(report.violations)", file: file, line: line)
    }
}
