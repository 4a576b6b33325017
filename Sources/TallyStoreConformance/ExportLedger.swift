import TallyCore

/// A small ledger with one of everything an export carries, built the same way on any store: two
/// realms (one with a subdomain), currencies (a default with metadata, one with limits that
/// cannot be transferred, an archived one), members with every credential kind and metadata,
/// ghost credentials (one holding a balance, one linked to a member after it held one, one
/// created linked), batches of each kind, a transfer, and keys (a revoked one, and an admin key).
///
/// Every time comes from the manual clock the build moves, and every id from generators seeded
/// here, so two stores built with `ids(on:)` and a clock at `start` hold the same ledger, ids and
/// times included, and must export the same records.
public enum ExportLedger {
    /// 2027-01-15T08:00:00.123Z, a time no wall clock of a test run shows.
    public static let start = TallyClock.Instant(millisecondsSince1970: 1_800_000_000_123)

    /// The id generator to give a store whose ledger must match another store's: its ids depend
    /// only on `clock` and the order they are made in.
    public static func ids(on clock: TallyClock) -> IDGenerator {
        IDGenerator(clock: clock, random: SeededGenerator(seed: 0x7A11))
    }

    /// What the build made, as the store answered each write.
    public struct Built: Sendable {
        /// The realm with everything, and a second, smaller one.
        public let guild: RealmID
        public let other: RealmID
        /// Each realm's members: the guild's ann, bob, cid and dee, the other realm's eve.
        public let members: [RealmID: [MemberID]]
        /// The guild's ghost credentials: a ghost holding a balance, one linked after holding
        /// one, and one created linked.
        public let credentials: [CredentialIdentity]
        /// Every key made, as stored in the end (the revoked one revoked), the admin key last.
        public let keys: [APIKey]
        /// The secrets of those keys, which must never appear in an export.
        public let secrets: [String]
        /// The receipts of the batches applied by member or by credential, in order.
        public let receipts: [BatchReceipt]
    }

    /// An EIP-55 checksummed address.
    static let evm = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    /// A Solana (base58) address.
    static let base58 = "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV"

    /// Builds the ledger on `store`, whose clock `time` is, moving it between writes.
    public static func build(on store: any LedgerStore, time: TallyClock.Manual) async throws -> Built {
        var keyRandom = SeededGenerator(seed: 0x5EC)
        let keyIDs = IDGenerator(clock: time.clock, random: SeededGenerator(seed: 0x4E7))
        func tick(_ milliseconds: Int64 = 1) { time.advance(by: .milliseconds(milliseconds)) }
        func key(_ realm: RealmID?, _ name: String?, _ scopes: Set<Scope>) async throws -> (APIKey, String) {
            tick()
            let id: KeyID = keyIDs.make()
            let secret = KeySecret(keyID: id, random: keyRandom.next128())
            let key = APIKey(
                id: id, realmID: realm, name: name, scopes: scopes, secretHash: secret.hash,
                createdAtMilliseconds: time.now.millisecondsSince1970, revokedAtMilliseconds: nil)
            guard case .performed(let result, _) = try await store.perform(.createKey(key), idempotency: nil) else {
                throw ConformanceFailure("a key write without a claim was replayed")
            }
            return (result.key, secret.text)
        }

        let guild = try await store.createRealm(
            RealmDraft(name: "Guild", description: "Where everything is", subdomain: "guild"))
        tick()
        let other = try await store.createRealm(name: "Other")
        tick()
        let points = try await store.createCurrency(
            CurrencyDraft(
                name: "Points", emoji: "⭐", metadata: ["tier": 1, "list": [1, "two", true]], isDefault: true),
            in: guild.id)
        tick()
        let gems = try await store.createCurrency(
            CurrencyDraft(
                name: "Gems", customEmojiURL: "https://example.com/gem.png", minimumBalance: -50,
                maximumBalance: 1_000, isTransferable: false),
            in: guild.id)
        tick()
        let old = try await store.createCurrency(CurrencyDraft(name: "Old"), in: guild.id)
        tick(3_600_000)
        _ = try await store.setCurrencyArchived(old.id, in: guild.id, archived: true)
        tick()

        let ann = try await store.createMember(
            Credentials(
                username: "ann", discordId: "100000000000000001", twitterId: "200000001", wallet: evm,
                email: "Ann@Example.com", walletName: "metamask"),
            metadata: ["level": 3, "tags": ["a", "b"], "nested": ["x": nil]], in: guild.id)
        tick()
        let bob = try await store.createMember(Credentials(username: "bob"), in: guild.id)
        tick()
        let cid = try await store.createMember(
            Credentials(wallet: base58, walletChain: "solana", walletName: "phantom"), in: guild.id)
        tick()
        let dee = try await store.createMember(Credentials(email: "dee@example.com"), in: guild.id)
        tick()
        try await store.setMemberMetadata(["vip": true], of: bob.id, in: guild.id)
        tick()

        var receipts = [BatchReceipt]()
        receipts.append(
            try await store.apply(
                try Batch(
                    realmID: guild.id,
                    changes: [
                        Change(memberID: ann.id, amount: 100), Change(memberID: bob.id, amount: 50),
                        Change(memberID: cid.id, amount: 10), Change(memberID: ann.id, amount: 5),
                    ],
                    initiatorID: "discord:1")))
        tick()
        receipts.append(
            try await store.apply(
                try Batch(
                    realmID: guild.id,
                    changes: [
                        Change(memberID: ann.id, amount: -20, currencyID: gems.id),
                        Change(memberID: bob.id, amount: 5, currencyID: gems.id),
                    ])))
        tick()
        receipts.append(
            try await store.apply(
                try Transfer.batch(
                    realm: guild.id, sender: ann.id, recipient: cid.id, amount: 30, currency: points.id,
                    initiatorID: "discord:2")))
        tick()
        receipts.append(
            try await store.apply(
                try Batch(realmID: guild.id, changes: [Change(memberID: dee.id, amount: 7)], kind: .single)))
        tick()

        let ghost = try CredentialIdentity(kind: .twitterId, value: "300000009")
        let wallet = try CredentialIdentity(kind: .wallet, value: "0xAb5801a7D398351b8bE11C439e05C5B3259aeC9B")
        let shopify = try CredentialDraft.social(
            provider: "shopify", providerID: "customer-1", username: "dee-shop", accountID: dee.id,
            metadata: ["plan": "gold"])
        _ = try await store.perform(
            .credential(
                .create(
                    try CredentialDraft.social(provider: "twitter", providerID: ghost.value, username: "ghosty"),
                    realm: guild.id)), idempotency: nil)
        tick()
        _ = try await store.perform(
            .credential(
                .create(
                    try CredentialDraft.wallet(
                        address: wallet.value, chain: "eip155", walletProvider: "injected", walletName: "rainbow"),
                    realm: guild.id)), idempotency: nil)
        tick()
        guard
            case .performed(let credited, _) = try await store.perform(
                .credential(
                    .change(
                        try CredentialBatch(
                            realmID: guild.id,
                            changes: [
                                CredentialChange(identity: ghost, amount: 40),
                                CredentialChange(identity: wallet, amount: 25),
                                CredentialChange(identity: wallet, amount: 3, currencyID: gems.id),
                            ], initiatorID: "shop"))), idempotency: nil)
        else { throw ConformanceFailure("a credential batch without a claim was replayed") }
        receipts.append(credited.credentialReceipt.receipt)
        tick()
        _ = try await store.perform(
            .credential(.setMetadata(["note": "seen"], of: ghost, realm: guild.id)), idempotency: nil)
        tick()
        _ = try await store.perform(
            .credential(.link(wallet, to: bob.id, realm: guild.id, initiatorID: "linker")), idempotency: nil)
        tick()
        _ = try await store.perform(.credential(.create(shopify, realm: guild.id)), idempotency: nil)
        tick()
        // A ghost credential that held points, gave them back and was deleted: its balance holder
        // stays, with its entries and a zero balance.
        let gone = try CredentialIdentity(kind: .discordId, value: "400000004")
        for amount: Int64 in [6, -6] {
            guard
                case .performed(let moved, _) = try await store.perform(
                    .credential(
                        .change(
                            try CredentialBatch(
                                realmID: guild.id, changes: [CredentialChange(identity: gone, amount: amount)],
                                initiatorID: nil))), idempotency: nil)
            else { throw ConformanceFailure("a credential batch without a claim was replayed") }
            receipts.append(moved.credentialReceipt.receipt)
            tick()
        }
        _ = try await store.perform(.credential(.delete(gone, realm: guild.id)), idempotency: nil)
        tick()

        let otherPoints = try await store.createCurrency(CurrencyDraft(name: "Coins", isDefault: true), in: other.id)
        tick()
        let eve = try await store.createMember(Credentials(username: "eve"), in: other.id)
        tick()
        receipts.append(
            try await store.apply(
                try Batch(realmID: other.id, changes: [Change(memberID: eve.id, amount: 9, currencyID: otherPoints.id)])
            ))
        tick()

        var keys = [APIKey]()
        var secrets = [String]()
        for (realm, name, scopes) in [
            (guild.id, "bot", Set(Scope.allCases)), (guild.id, nil, [.pointsWrite]), (other.id, "other", [.realmRead]),
            (nil, "admin", Set(Scope.allCases)),
        ] as [(RealmID?, String?, Set<Scope>)] {
            let (made, secret) = try await key(realm, name, scopes)
            keys.append(made)
            secrets.append(secret)
        }
        tick()
        keys[1] = try await store.revokeKey(keys[1].id)
        return Built(
            guild: guild.id, other: other.id,
            members: [guild.id: [ann.id, bob.id, cid.id, dee.id], other.id: [eve.id]],
            credentials: [ghost, wallet, shopify.identity], keys: keys, secrets: secrets, receipts: receipts)
    }
}

/// A random number generator that gives the same numbers for the same seed (SplitMix64), for
/// ids and secrets that must be the same on every store.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A generator seeded from this one, which moves on.
    mutating func next128() -> SeededGenerator { SeededGenerator(seed: next()) }
}
