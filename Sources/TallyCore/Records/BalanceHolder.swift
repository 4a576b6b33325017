/// The balance holder of a ghost credential that was deleted: a `members` row marked `ghost`
/// that keeps the credential's journal entries and (zero) balances after the credential row is
/// gone. Exports carry it so that those entries still name something when imported.
public struct BalanceHolder: Sendable, Equatable {
    /// The realm.
    public let realmID: RealmID
    /// Its id (the deleted credential's).
    public let id: MemberID
    /// Milliseconds since 1970 when its credential was created.
    public let createdAtMilliseconds: Int64

    public init(realmID: RealmID, id: MemberID, createdAtMilliseconds: Int64) {
        self.realmID = realmID
        self.id = id
        self.createdAtMilliseconds = createdAtMilliseconds
    }

    /// A holder from the columns `realm_id`, `id` and `created_at` of `members`.
    public init(stored row: some StoredRow) throws {
        self.init(
            realmID: RealmID(canonical: try row.text("realm_id")), id: MemberID(canonical: try row.text("id")),
            createdAtMilliseconds: try row.integer("created_at"))
    }
}
