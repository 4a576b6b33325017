import GRDB
import TallyCore

extension SQLiteLedgerStore {
    public func balance(_ key: BalanceKey, in realmID: RealmID) async throws -> Int64 {
        try await read("balance") { db in
            try Int64.fetchOne(
                db, sql: "SELECT balance FROM balances WHERE realm_id = ? AND currency_id = ? AND member_id = ?",
                arguments: [realmID.rawValue, key.currencyID.rawValue, key.memberID.rawValue]) ?? 0
        }
    }

    /// Loads each member's balances with their currencies, in one query per page.
    static func details(_ members: [Member], _ db: Database, realm realmID: RealmID) throws -> [MemberDetails] {
        guard !members.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: members.count).joined(separator: ",")
        var arguments: StatementArguments = [realmID.rawValue]
        _ = arguments.append(contentsOf: StatementArguments(members.map(\.id.rawValue)))
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT b.member_id, b.balance, \(currencyColumns.split(separator: ",").map { "c." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
                FROM balances b JOIN currencies c ON c.realm_id = b.realm_id AND c.id = b.currency_id
                WHERE b.realm_id = ? AND b.member_id IN (\(placeholders))
                ORDER BY c.created_at, c.id
                """,
            arguments: arguments)
        var held = [String: [HeldBalance]]()
        for row in rows {
            let member: String = row["member_id"]
            held[member, default: []].append(HeldBalance(currency: currency(from: row), balance: row["balance"]))
        }
        return members.map { MemberDetails(member: $0, balances: held[$0.id.rawValue] ?? []) }
    }
}
