import Testing

@testable import TallyCore

/// The one rule of how credentials compare, the chain a wallet is shown on, and the checks of a
/// wallet's chain and application name.
@Suite struct CredentialMatchingTests {
    @Test(arguments: [
        (
            Credentials.Kind.wallet, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
        ),
        (.wallet, "0X5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
        (.wallet, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed1", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed1"),
        (.wallet, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe"),
        (.wallet, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeG", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeG"),
        (.wallet, "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV", "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV"),
        (.email, "Erin@Example.com", "erin@example.com"),
        (.email, "ÉLODIE@Exämple.com", "élodie@exämple.com"),
        (.username, "Erin", "Erin"),
        (.discordId, "ABC", "ABC"),
        (.twitterId, "ABC", "ABC"),
    ])
    func keys(kind: Credentials.Kind, value: String, key: String) {
        #expect(CredentialMatching.key(kind, value) == key)
        #expect(Credentials().matchKey(kind) == nil)
        var credentials = Credentials()
        credentials[kind] = value
        #expect(credentials.matchKey(kind) == key)
    }

    @Test func searchesWordValuesAsTheMatchColumnHoldsThem() {
        #expect(SearchKind.email.stored("Erin@Example.COM") == "erin@example.com")
        #expect(SearchKind.wallet.stored("0X5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED").hasPrefix("0x5aaeb"))
        #expect(SearchKind.wallet.stored("7EcDhSYG") == "7EcDhSYG")
        #expect(SearchKind.username.stored("Erin") == "Erin")
        #expect(SearchKind.dripId.stored("ABC") == "abc")
        #expect(StoredSchema.matchColumn(SearchKind.email) == "email_key")
        #expect(StoredSchema.matchColumn(SearchKind.wallet) == "wallet_key")
        #expect(StoredSchema.matchColumn(SearchKind.username) == "username")
    }

    @Test func anEVMWalletIsShownOnEip155UnlessGivenAnotherChain() {
        #expect(Credentials(wallet: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").resolvedWalletChain == "eip155")
        #expect(
            Credentials(wallet: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", walletChain: "eip155:8453")
                .resolvedWalletChain == "eip155:8453")
        #expect(Credentials(wallet: "7EcDhSYG").resolvedWalletChain == nil)
        #expect(Credentials(wallet: "7EcDhSYG", walletChain: "solana").resolvedWalletChain == "solana")
        #expect(Credentials(username: "x").resolvedWalletChain == nil)
    }

    @Test func aWalletsChainAndNameAreCheckedAndNeedTheWallet() throws {
        let limits = Limits.standard
        let chain = String(repeating: "c", count: limits.chainLengthMax)
        let name = String(repeating: "n", count: limits.nameLengthMax)
        let fine = try Credentials(wallet: "0x1", walletChain: chain, walletName: name).validated(limits: limits)
        #expect(fine.walletChain == chain && fine.walletName == name)
        #expect(
            try Credentials(wallet: "0x1", walletChain: "", walletName: "").validated(limits: limits).walletChain == nil
        )
        #expect(try Credentials(walletChain: "", walletName: "").validated(limits: limits) == Credentials())
        let refused: [(Credentials, String)] = [
            (Credentials(wallet: "0x1", walletChain: chain + "c"), "wallet-chain must be at most 64 characters."),
            (Credentials(wallet: "0x1", walletName: name + "n"), "wallet-name must be at most 200 characters."),
            (
                Credentials(wallet: "0x1", walletChain: "eip\u{1}155"),
                "wallet-chain must not contain control characters."
            ),
            (Credentials(wallet: "0x1", walletName: "meta\nmask"), "wallet-name must not contain control characters."),
            (Credentials(walletChain: "eip155"), "wallet-chain describes a wallet, so it needs a wallet."),
            (Credentials(wallet: "", walletName: "metamask"), "wallet-name describes a wallet, so it needs a wallet."),
        ]
        for (credentials, message) in refused {
            let error = #expect(throws: TallyError.self) { try credentials.validated(limits: limits) }
            #expect(error?.code == .validation && error?.message == message)
        }
    }
}
