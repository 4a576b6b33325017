import GRDB
import TallyCore

extension SQLiteLedgerStore {
    public func balance(_ key: BalanceKey, in realmID: RealmID) async throws -> Int64 {
        try await readSettled("balance") { db in
            try db.row(Self.statements.balance(key, in: realmID))?.integer("balance") ?? 0
        }
    }

    /// Loads each member's balances with their currencies, in one query per page.
    static func details(_ members: [Member], _ db: Database, realm realmID: RealmID) throws -> [MemberDetails] {
        guard !members.isEmpty else { return [] }
        return try MemberDetails.joining(
            members, heldBalances: try db.rows(statements.heldBalances(of: members, in: realmID)))
    }
}
