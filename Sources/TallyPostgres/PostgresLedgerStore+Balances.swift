import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    public func balance(_ key: BalanceKey, in realmID: RealmID) async throws -> Int64 {
        try await transaction("balance", .reading) { connection in
            try await first(
                connection,
                """
                SELECT balance FROM balances WHERE realm_id = \(realmID.rawValue)
                AND currency_id = \(key.currencyID.rawValue) AND member_id = \(key.memberID.rawValue)
                """
            )?["balance"].decode(Int64.self) ?? 0
        }
    }

    /// Loads each member's balances with their currencies, in one query per page.
    func details(_ members: [Member], _ connection: PostgresConnection, realm realmID: RealmID) async throws
        -> [MemberDetails]
    {
        guard !members.isEmpty else { return [] }
        let ids = members.map(\.id.rawValue)
        let rows = try await all(
            connection,
            """
            SELECT b.member_id AS balance_member_id, b.balance, \(unescaped: Self.qualified(Self.currencyColumns, "c"))
            FROM balances b JOIN currencies c ON c.realm_id = b.realm_id AND c.id = b.currency_id
            WHERE b.realm_id = \(realmID.rawValue) AND b.member_id = ANY(\(ids))
            ORDER BY c.created_at, c.id
            """)
        var held = [String: [HeldBalance]]()
        for row in rows {
            let member = try row["balance_member_id"].decode(String.self)
            held[member, default: []].append(
                HeldBalance(currency: try Self.currency(from: row), balance: try row["balance"].decode(Int64.self)))
        }
        return members.map { MemberDetails(member: $0, balances: held[$0.id.rawValue] ?? []) }
    }
}
