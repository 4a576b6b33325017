import GRDB
import TallyCore

extension SQLiteLedgerStore {
    static func insertCurrency(_ currency: Currency, _ db: Database) throws {
        try requireRealm(db, currency.realmID)
        if currency.isDefault {
            try db.execute(statements.clearDefault(in: currency.realmID, now: currency.createdAtMilliseconds))
        }
        try db.execute(statements.insert(currency))
    }

    static func fetchCurrency(_ db: Database, _ id: CurrencyID, in realmID: RealmID) throws -> Currency? {
        try db.row(statements.currency(id, in: realmID), cached: true).map(Currency.init(stored:))
    }

    public func currency(_ id: CurrencyID, in realmID: RealmID) async throws -> Currency {
        try await read("currency") { db in
            guard let found = try Self.fetchCurrency(db, id, in: realmID) else {
                try Self.requireRealm(db, realmID)
                throw TallyError.notFound(id, in: realmID)
            }
            return found
        }
    }

    public func currencies(in realmID: RealmID) async throws -> [Currency] {
        try await read("currencies") { db in
            try db.rows(Self.statements.currencies(in: realmID)).map(Currency.init(stored:))
        }
    }

    public func listCurrencies(in realmID: RealmID, query: CurrencyQuery) async throws -> Page<Currency> {
        try await read("listCurrencies") { db in
            try Self.requireRealm(db, realmID)
            let list = Self.statements.currencies(in: realmID, query)
            return Page(
                items: try db.rows(list.rows).map(Currency.init(stored:)), total: try db.count(list.count),
                request: list.request)
        }
    }

    /// Reads the currency, lets `CurrencyEdit` decide, and writes the row it returns.
    static func editCurrency(_ id: CurrencyID, in realmID: RealmID, _ edit: CurrencyEdit, _ db: Database, now: Int64)
        throws -> (currency: Currency, changed: Bool)
    {
        try requireRealm(db, realmID)
        guard let current = try fetchCurrency(db, id, in: realmID) else { throw TallyError.notFound(id, in: realmID) }
        guard let change = try edit.decide(current, now: now) else { return (current, false) }
        let currency = change.currency
        if change.checksBalances {
            try change.checkBalancesOutsideLimits(try db.count(statements.balancesOutsideLimits(of: currency)))
        }
        if change.takesDefault { try db.execute(statements.clearDefault(in: realmID, now: now)) }
        try db.execute(statements.update(currency))
        return (currency, true)
    }
}
