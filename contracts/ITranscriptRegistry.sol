// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

/**
 * @title ITranscriptRegistry
 * @dev External interface of the hocba registry (docs/contract.md): Merkle roots of batches of school
 * transcripts and graduation records, revoked leaves, and the trusted-issuer registry saying which
 * signing certificate (SHA-256 fingerprint of its DER) may sign for which school or district office,
 * over time. Other tools call the registry by this ABI: names, errors and events are fixed.
 *
 * Only hashes go on chain: a leaf is `keccak256(docHash)`, inner nodes hash the sorted pair.
 * Times are block timestamps (seconds) as `uint64`; 0 means "never".
 */
interface ITranscriptRegistry {
    /**
     * @dev One period during which a certificate was authorized for an issuer: from `addedAt`
     * (inclusive) to `removedAt` (exclusive); `removedAt == 0` means it is still authorized.
     */
    struct IssuerCertificateInterval {
        uint64 addedAt;
        uint64 removedAt;
    }

    /**
     * @dev The constructor was given the zero address as `admin`: the registry would have no admin.
     */
    error TranscriptRegistryInvalidAdmin(address admin);

    /**
     * @dev `root` is zero. A zero root is never a Merkle root of real leaves.
     */
    error TranscriptRegistryInvalidRoot(bytes32 root);

    /**
     * @dev `root` was anchored with `count` leaves; a batch has at least one leaf.
     */
    error TranscriptRegistryInvalidLeafCount(bytes32 root, uint32 count);

    /**
     * @dev `root` is already anchored, at block time `anchoredAt`.
     */
    error TranscriptRegistryRootAlreadyAnchored(bytes32 root, uint64 anchoredAt);

    /**
     * @dev `leaf` is zero. A zero leaf is never `keccak256` of a document hash.
     */
    error TranscriptRegistryInvalidLeaf(bytes32 leaf);

    /**
     * @dev `leaf` is already revoked, at block time `revokedAt`.
     */
    error TranscriptRegistryLeafAlreadyRevoked(bytes32 leaf, uint64 revokedAt);

    /**
     * @dev {revokeBatch} was called with no leaves.
     */
    error TranscriptRegistryEmptyRevocationBatch();

    /**
     * @dev `issuerCode` or `certFingerprint` is zero.
     */
    error TranscriptRegistryInvalidIssuerCertificate(bytes32 issuerCode, bytes32 certFingerprint);

    /**
     * @dev `certFingerprint` is already authorized for `issuerCode`, since block time `addedAt`.
     */
    error TranscriptRegistryIssuerCertificateAlreadyActive(bytes32 issuerCode, bytes32 certFingerprint, uint64 addedAt);

    /**
     * @dev `certFingerprint` is not currently authorized for `issuerCode` (never added, or removed).
     */
    error TranscriptRegistryIssuerCertificateNotActive(bytes32 issuerCode, bytes32 certFingerprint);

    /**
     * @dev Emitted when `anchorer` anchors `root`, the Merkle root of a batch of `count` leaves.
     */
    event RootAnchored(bytes32 indexed root, uint32 count, address indexed anchorer);

    /**
     * @dev Emitted when `revoker` revokes `leaf`; `reason` is a short code chosen by the service
     * (zero when unspecified).
     */
    event LeafRevoked(bytes32 indexed leaf, bytes32 reason, address indexed revoker);

    /**
     * @dev Emitted when `certFingerprint` becomes authorized to sign for `issuerCode`.
     */
    event IssuerCertificateAdded(bytes32 indexed issuerCode, bytes32 indexed certFingerprint);

    /**
     * @dev Emitted when `certFingerprint` stops being authorized to sign for `issuerCode`.
     */
    event IssuerCertificateRemoved(bytes32 indexed issuerCode, bytes32 indexed certFingerprint);

    /**
     * @dev The role allowed to call {anchor}: `keccak256("ANCHORER_ROLE")`.
     */
    function ANCHORER_ROLE() external view returns (bytes32);

    /**
     * @dev The role allowed to call {revoke} and {revokeBatch}: `keccak256("REVOKER_ROLE")`.
     */
    function REVOKER_ROLE() external view returns (bytes32);

    /**
     * @dev Records `root`, the Merkle root of a batch of `count` leaves, with the current block time.
     *
     * Requirements:
     *
     * - the caller must have `ANCHORER_ROLE`;
     * - the registry must not be paused;
     * - `root` must not be zero ({TranscriptRegistryInvalidRoot});
     * - `count` must not be zero ({TranscriptRegistryInvalidLeafCount});
     * - `root` must not be anchored already ({TranscriptRegistryRootAlreadyAnchored}).
     *
     * Emits a {RootAnchored} event.
     */
    function anchor(bytes32 root, uint32 count) external;

    /**
     * @dev Revokes `leaf` with the current block time. Works while paused: revocation is an
     * incident-response tool.
     *
     * Requirements:
     *
     * - the caller must have `REVOKER_ROLE`;
     * - `leaf` must not be zero ({TranscriptRegistryInvalidLeaf});
     * - `leaf` must not be revoked already ({TranscriptRegistryLeafAlreadyRevoked}).
     *
     * Emits a {LeafRevoked} event.
     */
    function revoke(bytes32 leaf, bytes32 reason) external;

    /**
     * @dev Revokes every leaf of `leaves` with the same `reason`, all or nothing. A leaf listed twice
     * reverts like a repeated {revoke}.
     *
     * Requirements:
     *
     * - the caller must have `REVOKER_ROLE`;
     * - `leaves` must not be empty ({TranscriptRegistryEmptyRevocationBatch});
     * - each leaf must satisfy the requirements of {revoke}.
     *
     * Emits one {LeafRevoked} event per leaf, in order.
     */
    function revokeBatch(bytes32[] calldata leaves, bytes32 reason) external;

    /**
     * @dev Block time at which `root` was anchored, 0 if never.
     */
    function anchoredAt(bytes32 root) external view returns (uint64);

    /**
     * @dev Block time at which `leaf` was revoked, 0 if not revoked.
     */
    function revokedAt(bytes32 leaf) external view returns (uint64);

    /**
     * @dev True iff `root` is anchored, `proof` leads from `leaf` to `root` (OpenZeppelin
     * {MerkleProof}, sorted pairs) and `leaf` is not revoked.
     */
    function verify(bytes32[] calldata proof, bytes32 root, bytes32 leaf) external view returns (bool);

    /**
     * @dev Authorizes `certFingerprint` (SHA-256 of the certificate's DER) to sign for `issuerCode`
     * (the school or district code, `ethers.encodeBytes32String`) from the current block time.
     * A certificate removed earlier may be added again: a new interval starts.
     *
     * Requirements:
     *
     * - the caller must have `DEFAULT_ADMIN_ROLE`;
     * - neither argument may be zero ({TranscriptRegistryInvalidIssuerCertificate});
     * - the certificate must not be active for `issuerCode` ({TranscriptRegistryIssuerCertificateAlreadyActive}).
     *
     * Emits an {IssuerCertificateAdded} event.
     */
    function addIssuerCertificate(bytes32 issuerCode, bytes32 certFingerprint) external;

    /**
     * @dev Ends the current authorization of `certFingerprint` for `issuerCode` at the current block
     * time. Past documents keep verifying: {isIssuerCertificate} answers for any past time.
     *
     * Requirements:
     *
     * - the caller must have `DEFAULT_ADMIN_ROLE`;
     * - the certificate must be active for `issuerCode` ({TranscriptRegistryIssuerCertificateNotActive}).
     *
     * Emits an {IssuerCertificateRemoved} event.
     */
    function removeIssuerCertificate(bytes32 issuerCode, bytes32 certFingerprint) external;

    /**
     * @dev Whether `certFingerprint` was authorized for `issuerCode` at block time `at`: some
     * interval was added at or before `at` and not removed at or before `at`.
     */
    function isIssuerCertificate(bytes32 issuerCode, bytes32 certFingerprint, uint64 at) external view returns (bool);

    /**
     * @dev Every authorization interval of `certFingerprint` for `issuerCode`, oldest first.
     */
    function issuerCertificateHistory(
        bytes32 issuerCode,
        bytes32 certFingerprint
    ) external view returns (IssuerCertificateInterval[] memory);

    /**
     * @dev Stops {anchor} until {unpause}. Revocation and the issuer registry keep working.
     *
     * Requirements:
     *
     * - the caller must have `DEFAULT_ADMIN_ROLE`;
     * - the registry must not be paused.
     *
     * Emits a {Pausable-Paused} event.
     */
    function pause() external;

    /**
     * @dev Lets {anchor} work again.
     *
     * Requirements:
     *
     * - the caller must have `DEFAULT_ADMIN_ROLE`;
     * - the registry must be paused.
     *
     * Emits a {Pausable-Unpaused} event.
     */
    function unpause() external;
}
