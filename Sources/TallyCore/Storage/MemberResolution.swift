/// A change that names its member by a `MemberReference`, as the legacy v4 routes do.
public struct ReferencedChange: Sendable, Equatable {
    /// The member, by drip id or Discord user id.
    public var member: MemberReference
    /// The signed delta.
    public var amount: Int64
    /// The currency; nil means the realm's default currency.
    public var currencyID: CurrencyID?

    /// A change of `amount` to the balance of the member `member` names.
    public init(member: MemberReference, amount: Int64, currencyID: CurrencyID? = nil) {
        self.member = member
        self.amount = amount
        self.currencyID = currencyID
    }
}

/// Turning `MemberReference`s into members, through the read model, so every store resolves them
/// alike and runs no SQL of its own for it.
///
/// Resolution reads before the write and outside its transaction. That is safe because what it
/// reads does not move under a write: a member is never deleted, and a Discord id, unique in its
/// realm, stays with the member that holds it. The write then checks the members as always.
extension LedgerReadModel {
    /// The member each reference names in `realm`, in order; nil where a Discord id is held by no
    /// member of the realm. A drip id is taken as given: whether that member exists is checked
    /// where it is used (the planner, or the read that names it). Discord ids are looked up at
    /// most `limits.searchValuesMax` (and `limits.pageSizeMax`) at a time. Throws `Not Found` for
    /// an unknown realm when there is a Discord id to look up.
    public func memberIDs(of references: [MemberReference], in realm: RealmID, limits: Limits) async throws
        -> [MemberID?]
    {
        let discordIDs = references.compactMap { reference -> String? in
            if case .discordID(let text) = reference { text } else { nil }
        }.uniqued()
        let chunkSize = max(1, min(limits.searchValuesMax, limits.pageSizeMax))
        var holders = [String: MemberID]()
        var start = 0
        while start < discordIDs.count {
            let chunk = Array(discordIDs[start..<min(start + chunkSize, discordIDs.count)])
            // A Discord id is unique in its realm, so a chunk matches at most its own size.
            let page = try await searchMembers(
                in: realm, kind: .discordId, values: chunk,
                page: try PageRequest(page: 1, limit: chunk.count, limits: limits))
            for found in page.items {
                if let discordID = found.member.credentials.discordId { holders[discordID] = found.member.id }
            }
            start += chunk.count
        }
        return references.map { reference in
            switch reference {
            case .dripID(let id): id
            case .discordID(let text): holders[text]
            }
        }
    }

    /// The member `reference` names in `realm`, for a route that addresses it (a v4 path's
    /// member): a drip id as given, a Discord id as the member holding it, or 404
    /// `MEMBER_NOT_FOUND` naming the Discord id.
    public func memberID(of reference: MemberReference, in realm: RealmID, limits: Limits) async throws -> MemberID {
        guard let id = try await memberIDs(of: [reference], in: realm, limits: limits)[0] else {
            throw TallyError.memberNotFound(
                "No member of realm \(realm) has Discord id \(reference).",
                details: [reference.detailKey: .text(reference.description)], naming: .addressed)
        }
        return id
    }

    /// The changes with their members resolved (`memberIDs(of:in:limits:)`), for a batch of
    /// `kind`. The first change whose Discord id no member of the realm holds fails with
    /// `MEMBER_NOT_FOUND`, answered as an unknown member of a batch of `kind` is (`MemberNaming`),
    /// with the planner's details (`discordId` in place of `dripId`).
    public func resolve(_ changes: [ReferencedChange], in realm: RealmID, kind: EntryKind, limits: Limits)
        async throws -> [Change]
    {
        let ids = try await memberIDs(of: changes.map(\.member), in: realm, limits: limits)
        precondition(ids.count == changes.count, "one resolved member per change")
        var resolved = [Change]()
        resolved.reserveCapacity(changes.count)
        for (index, (change, id)) in zip(changes, ids).enumerated() {
            guard let id else {
                throw BatchPlanner.unknownMember(
                    index: index, named: change.member, amount: change.amount, currencyID: change.currencyID,
                    realm: realm, kind: kind)
            }
            resolved.append(Change(memberID: id, amount: change.amount, currencyID: change.currencyID))
        }
        return resolved
    }
}
