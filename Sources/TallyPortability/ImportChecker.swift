import TallyCore

/// The rules an import checks as it reads, one record at a time: every value valid as the API
/// would take it, every record in its realm and in the format's order, and the books: with a
/// journal, each balance's entries chain (each starts where the one before ended, and adds its
/// amount) and end at the balance the file gives; without one, each non-zero balance gets an
/// opening entry of kind `import`. Every balance must lie within its currency's floor and
/// ceiling. Memory grows with the balances of one realm, never with the journal.
///
/// Errors are `VALIDATION_ERROR`s naming the line. What only the database can tell (an id or a
/// credential already taken, a member that does not exist) is left to the load.
public struct ImportChecker {
    /// The order of a realm's records: a record may not come after one of a later kind.
    static let order: [String: Int] = [
        "currency": 1, "member": 2, "credential": 3, "holder": 4, "entry": 5, "balance": 6, "key": 7,
    ]

    private let header: ExportHeader
    private let limits: Limits
    private let ids: IDGenerator
    private let now: Int64
    private let initiatorID: String?
    /// The realm whose records are being read.
    private var realm: RealmID?
    private var lastKind = 0
    private var currencies: [CurrencyID: (minimum: Int64, maximum: Int64?)] = [:]
    /// Where each balance's entries have reached so far (journal) and the balances still owed a
    /// balance record.
    private var chains: [BalanceKey: Int64] = [:]
    /// The opening entries of the open realm (no journal).
    private var openings: OpeningBalances?
    /// The line where the open realm began.
    private var realmLine = 0

    /// A checker for a file with `header`. Opening entries get ids from `ids`, the time `now`
    /// and the initiator `initiatorID`.
    public init(header: ExportHeader, limits: Limits = .standard, ids: IDGenerator, now: Int64, initiatorID: String?) {
        self.header = header
        self.limits = limits
        self.ids = ids
        self.now = now
        self.initiatorID = initiatorID
    }

    /// What one record becomes: the record to load, and for a balance without a journal, its
    /// opening entry.
    public enum Checked {
        case realm(Realm)
        case currency(Currency)
        case member(Member)
        case credential(GhostCredential)
        case holder(BalanceHolder)
        case entry(JournalEntry)
        case balance(StoredBalance, opening: JournalEntry?)
        case key(APIKey)
    }

    /// Checks the record on `line`.
    public mutating func check(_ record: ExportRecord, line: Int) throws(TallyError) -> Checked {
        do {
            return try checked(record)
        } catch {
            throw error.at(line: line)
        }
    }

    /// Checks that the open realm's books are complete; call it where a realm ends (the next
    /// realm, an admin key, the trailer).
    public mutating func finishRealm(line: Int) throws(TallyError) {
        defer {
            chains = [:]
            currencies = [:]
            realm = nil
            lastKind = 0
            openings = nil
        }
        guard let realm else { return }
        if let (key, reached) = chains.first(where: { $0.value != 0 }) {
            throw .validation(
                "Line \(line): realm \(realm) ends, but the journal of member \(key.memberID) in currency \(key.currencyID) reaches \(reached) and the file has no balance for it."
            )
        }
    }

    private mutating func checked(_ record: ExportRecord) throws(TallyError) -> Checked {
        if case .realm(let line) = record { return .realm(try openRealm(line)) }
        if case .key(let line) = record, line.realmId == nil {
            guard header.realm == nil else { throw .validation("an export of one realm cannot hold an admin key.") }
            return .key(try key(line, realm: nil))
        }
        guard let realm else {
            throw .validation("a \(record.type) before any realm: a realm's records follow its realm line.")
        }
        guard record.realmID == realm.rawValue else {
            throw .validation(
                "a \(record.type) of realm \(record.realmID ?? "none") inside realm \(realm): a realm's records follow its realm line."
            )
        }
        let kind = Self.order[record.type] ?? 0
        guard kind >= lastKind else {
            let names = ["realm"] + Self.order.sorted { $0.value < $1.value }.map(\.key)
            throw .validation(
                "a \(record.type) out of order: a realm's records come in the order \(names.joined(separator: ", ")).")
        }
        lastKind = kind
        switch record {
        case .realm: preconditionFailure("handled above")
        case .currency(let line): return .currency(try currency(line, realm: realm))
        case .member(let line): return .member(try member(line, realm: realm))
        case .credential(let line): return .credential(try credential(line, realm: realm))
        case .holder(let line):
            return .holder(
                BalanceHolder(
                    realmID: realm, id: try Self.id(line.id, MemberKind.self, "holder id"),
                    createdAtMilliseconds: line.createdAt))
        case .entry(let line): return .entry(try entry(line, realm: realm))
        case .balance(let line):
            let (balance, opening) = try self.balance(line, realm: realm)
            return .balance(balance, opening: opening)
        case .key(let line): return .key(try key(line, realm: realm))
        }
    }

    private mutating func openRealm(_ line: ExportRecord.RealmLine) throws(TallyError) -> Realm {
        let id = try Self.id(line.id, RealmKind.self, "realm id")
        if let only = header.realm, only != id.rawValue {
            throw .validation("realm \(id) in an export of realm \(only) alone.")
        }
        try RealmDraft(name: line.name, description: line.description, subdomain: line.subdomain).validate(
            limits: limits)
        realm = id
        lastKind = 0
        return Realm(
            id: id, name: line.name, description: line.description, subdomain: line.subdomain,
            createdAtMilliseconds: line.createdAt, updatedAtMilliseconds: line.updatedAt,
            publicLeaderboard: line.publicLeaderboard ?? false)
    }

    private mutating func currency(_ line: ExportRecord.CurrencyLine, realm: RealmID) throws(TallyError) -> Currency {
        let id = try Self.id(line.id, CurrencyKind.self, "currency id")
        try CurrencyDraft(
            name: line.name, emoji: line.emoji, customEmojiURL: line.customEmojiUrl, metadata: line.metadata,
            isDefault: line.isDefault, minimumBalance: line.minimumBalance, maximumBalance: line.maximumBalance,
            isTransferable: line.transferable
        ).validate(limits: limits)
        guard !(line.isDefault && line.archivedAt != nil) else {
            throw .validation("currency \(id) is archived and the default; an archived currency is never the default.")
        }
        currencies[id] = (line.minimumBalance, line.maximumBalance)
        return Currency(
            id: id, realmID: realm, name: line.name, emoji: line.emoji, customEmojiURL: line.customEmojiUrl,
            metadata: line.metadata, isDefault: line.isDefault, archivedAtMilliseconds: line.archivedAt,
            minimumBalance: line.minimumBalance, maximumBalance: line.maximumBalance, isTransferable: line.transferable,
            createdAtMilliseconds: line.createdAt, updatedAtMilliseconds: line.updatedAt)
    }

    private func member(_ line: ExportRecord.MemberLine, realm: RealmID) throws(TallyError) -> Member {
        let id = try Self.id(line.id, MemberKind.self, "member id")
        let credentials = try Credentials(
            username: line.username, discordId: line.discordId, twitterId: line.twitterId, wallet: line.wallet,
            email: line.email, walletChain: line.walletChain, walletName: line.walletName
        ).validated(limits: limits)
        let metadata = try line.metadata.map { value throws(TallyError) in try value.validatedMetadata(limits: limits) }
        return Member(
            id: id, realmID: realm, credentials: credentials, metadata: metadata,
            createdAtMilliseconds: line.createdAt, updatedAtMilliseconds: line.updatedAt)
    }

    private func credential(_ line: ExportRecord.CredentialLine, realm: RealmID) throws(TallyError) -> GhostCredential {
        let id = try Self.id(line.id, CredentialKind.self, "credential id")
        guard let kind = CredentialIdentity.Kind(rawValue: line.kind) else {
            throw .validation("credential \(id) has the unknown kind '\(line.kind.prefix(40))'.")
        }
        let identity = try CredentialIdentity(
            kind: kind, value: line.value, source: kind == .custom ? line.source : nil, limits: limits)
        let account = try line.accountId.map { text throws(TallyError) in
            try Self.id(text, MemberKind.self, "accountId")
        }
        let metadata = try line.metadata.map { value throws(TallyError) in try value.validatedMetadata(limits: limits) }
        return GhostCredential(
            id: id, realmID: realm, identity: identity, accountID: account, provider: line.provider,
            username: line.username, chain: line.chain, walletProvider: line.walletProvider,
            walletName: line.walletName,
            metadata: metadata, createdAtMilliseconds: line.createdAt, updatedAtMilliseconds: line.updatedAt,
            linkedAtMilliseconds: line.linkedAt)
    }

    private mutating func entry(_ line: ExportRecord.EntryLine, realm: RealmID) throws(TallyError) -> JournalEntry {
        guard header.journal else {
            throw .validation("a journal entry in an export whose header says it holds no journal.")
        }
        let id = try Self.id(line.id, JournalEntryKind.self, "entry id")
        let member = try Self.id(line.memberId, MemberKind.self, "memberId")
        let currency = try Self.id(line.currencyId, CurrencyKind.self, "currencyId")
        let batch = try Self.id(line.batchId, BatchKind.self, "batchId")
        guard let kind = EntryKind(rawValue: line.kind) else {
            throw .validation("journal entry \(id) has the unknown kind '\(line.kind.prefix(40))'.")
        }
        if let initiator = line.initiatorId, initiator.count > limits.initiatorLengthMax {
            throw .validation("journal entry \(id) has an initiatorId over \(limits.initiatorLengthMax) characters.")
        }
        let key = BalanceKey(currencyID: currency, memberID: member)
        let reached = chains[key] ?? 0
        guard line.balanceBefore == reached else {
            throw .validation(
                "journal entry \(id) starts at \(line.balanceBefore) but the entry before it ended at \(reached).")
        }
        let (after, overflow) = line.balanceBefore.addingReportingOverflow(line.amount)
        guard !overflow, after == line.balanceAfter else {
            throw .validation(
                "journal entry \(id): \(line.balanceBefore) plus \(line.amount) is not \(line.balanceAfter).")
        }
        chains[key] = after
        return JournalEntry(
            id: id, sequence: 0, realmID: realm, memberID: member, currencyID: currency, amount: line.amount,
            balanceBefore: line.balanceBefore, balanceAfter: line.balanceAfter, batchID: batch,
            initiatorID: line.initiatorId, kind: kind, createdAtMilliseconds: line.createdAt)
    }

    private mutating func balance(_ line: ExportRecord.BalanceLine, realm: RealmID) throws(TallyError) -> (
        StoredBalance, JournalEntry?
    ) {
        let member = try Self.id(line.memberId, MemberKind.self, "memberId")
        let currencyID = try Self.id(line.currencyId, CurrencyKind.self, "currencyId")
        guard let limits = currencies[currencyID] else {
            throw .validation("a balance in currency \(currencyID), which the realm's currencies do not include.")
        }
        try OpeningBalances.check(
            line.balance, minimum: limits.minimum, maximum: limits.maximum, subject: "the balance of member \(member)",
            currency: "\(currencyID)")
        let balance = StoredBalance(
            realmID: realm, memberID: member, currencyID: currencyID, balance: line.balance,
            updatedAtMilliseconds: line.updatedAt)
        let key = BalanceKey(currencyID: currencyID, memberID: member)
        if header.journal {
            let reached = chains.removeValue(forKey: key) ?? 0
            guard reached == line.balance else {
                throw .validation(
                    "the balance of member \(member) in currency \(currencyID) is \(line.balance), but its journal entries reach \(reached)."
                )
            }
            return (balance, nil)
        }
        guard chains.updateValue(line.balance, forKey: key) == nil else {
            throw .validation("a second balance of member \(member) in currency \(currencyID).")
        }
        guard line.balance != 0 else { return (balance, nil) }
        var openings = self.openings ?? OpeningBalances(realm: realm, ids: ids, now: now, initiatorID: initiatorID)
        let opening = openings.entry(line.balance, member: member, currency: currencyID)
        self.openings = openings
        chains[key] = 0
        return (balance, opening)
    }

    private func key(_ line: ExportRecord.KeyLine, realm: RealmID?) throws(TallyError) -> APIKey {
        guard header.keys else { throw .validation("an API key in an export whose header says it holds none.") }
        let id = try Self.id(line.id, KeyKind.self, "key id")
        var scopes = Set<Scope>()
        for name in line.scopes {
            guard let scope = Scope(rawValue: name) else {
                throw .validation("key \(id) has the unknown scope '\(name.prefix(40))'.")
            }
            scopes.insert(scope)
        }
        guard let hash = Self.bytes(hex: line.secretHash), hash.count == 32 else {
            throw .validation("key \(id) has a secretHash that is not 64 hex digits.")
        }
        return APIKey(
            id: id, realmID: realm, name: line.name, scopes: scopes, secretHash: hash,
            createdAtMilliseconds: line.createdAt, revokedAtMilliseconds: line.revokedAt)
    }

    /// `text` as an id, or an error naming `field`.
    static func id<Kind>(_ text: String, _: Kind.Type, _ field: String) throws(TallyError) -> TallyID<Kind> {
        guard let id = TallyID<Kind>(text) else {
            throw .validation("\(field) '\(text.prefix(40))' is not 24 hex digits.")
        }
        return id
    }

    /// The bytes of lowercase or uppercase hex text, or nil.
    static func bytes(hex text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
