import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    func insertCurrency(_ currency: Currency, _ connection: PostgresConnection) async throws {
        try await lockRealm(connection, currency.realmID)
        if currency.isDefault {
            try await run(
                connection,
                Self.statements.clearDefault(in: currency.realmID, now: currency.createdAtMilliseconds).query)
        }
        try await run(connection, Self.statements.insert(currency).query)
    }

    func fetchCurrency(
        _ connection: PostgresConnection, _ id: CurrencyID, in realmID: RealmID, forUpdate: Bool = false
    ) async throws -> Currency? {
        var statement = Self.statements.currency(id, in: realmID)
        if forUpdate { statement.text += " FOR UPDATE" }
        return try await row(connection, statement).map(Currency.init(stored:))
    }

    /// The currency, or `Not Found` (the realm's error first when the realm is missing too).
    public func currency(_ id: CurrencyID, in realmID: RealmID) async throws -> Currency {
        try await transaction("currency", .reading) { connection in
            guard let found = try await fetchCurrency(connection, id, in: realmID) else {
                try await requireRealm(connection, realmID)
                throw TallyError.notFound(id, in: realmID)
            }
            return found
        }
    }

    public func currencies(in realmID: RealmID) async throws -> [Currency] {
        try await transaction("currencies", .reading) { connection in
            try await rows(connection, Self.statements.currencies(in: realmID)).map(Currency.init(stored:))
        }
    }

    public func listCurrencies(in realmID: RealmID, query: CurrencyQuery) async throws -> Page<Currency> {
        try await transaction("listCurrencies", .reading) { connection in
            try await requireRealm(connection, realmID)
            let list = Self.statements.currencies(in: realmID, query)
            return Page(
                items: try await rows(connection, list.rows).map(Currency.init(stored:)),
                total: try await count(connection, list.count.query), request: list.request)
        }
    }

    /// Locks the realm and the currency (its row, and the advisory lock of one-statement
    /// batches), lets `CurrencyEdit` decide, and writes the row it returns. With both held, no
    /// batch can move a balance between the count of balances outside new limits and the commit.
    func editCurrency(
        _ id: CurrencyID, in realmID: RealmID, _ edit: CurrencyEdit, _ connection: PostgresConnection, now: Int64
    ) async throws -> (currency: Currency, changed: Bool) {
        try await lockRealm(connection, realmID)
        // Batches written in one statement hold this lock shared while they check the currency's
        // limits and write (tally_apply_batch); the locked path's row lock is the row's.
        _ = try await first(
            connection,
            "SELECT pg_advisory_xact_lock(hashtextextended('tally-currency:' || \(realmID.rawValue) || ':' || \(id.rawValue), 0))"
        )
        guard let current = try await fetchCurrency(connection, id, in: realmID, forUpdate: true) else {
            throw TallyError.notFound(id, in: realmID)
        }
        guard let change = try edit.decide(current, now: now) else { return (current, false) }
        let currency = change.currency
        if change.checksBalances {
            try change.checkBalancesOutsideLimits(
                try await count(connection, Self.statements.balancesOutsideLimits(of: currency).query))
        }
        if change.takesDefault { try await run(connection, Self.statements.clearDefault(in: realmID, now: now).query) }
        try await run(connection, Self.statements.update(currency).query)
        return (currency, true)
    }
}
