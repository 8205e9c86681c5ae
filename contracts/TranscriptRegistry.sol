// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ITranscriptRegistry} from "./ITranscriptRegistry.sol";

/**
 * @title TranscriptRegistry
 * @dev The on-chain half of hocba's trust model: see {ITranscriptRegistry} for the behaviour.
 *
 * Roles: `DEFAULT_ADMIN_ROLE` (the Department: grants roles, manages issuers, pauses),
 * `ANCHORER_ROLE` (the service's anchoring key), `REVOKER_ROLE` (the service, on behalf of schools
 * and the admin). Pausing stops anchoring only, so that a leaked anchoring key can be contained
 * while revocations and certificate removals continue.
 *
 * Block times are stored as `uint64` (a plain cast: `block.timestamp` fits for the next 500 billion
 * years), so a root and its time take one storage slot and `anchor` stays cheap (< 60k gas).
 */
contract TranscriptRegistry is ITranscriptRegistry, AccessControl, Pausable {
    /// @inheritdoc ITranscriptRegistry
    bytes32 public constant ANCHORER_ROLE = keccak256("ANCHORER_ROLE");
    /// @inheritdoc ITranscriptRegistry
    bytes32 public constant REVOKER_ROLE = keccak256("REVOKER_ROLE");

    mapping(bytes32 root => uint64) private _anchoredAt;
    mapping(bytes32 leaf => uint64) private _revokedAt;
    mapping(bytes32 issuerCode => mapping(bytes32 certFingerprint => IssuerCertificateInterval[]))
        private _issuerCertificates;

    /**
     * @dev Grants `DEFAULT_ADMIN_ROLE` to `admin`, who then grants the other roles.
     *
     * Requirements:
     *
     * - `admin` must not be the zero address ({TranscriptRegistryInvalidAdmin}).
     */
    constructor(address admin) {
        if (admin == address(0)) revert TranscriptRegistryInvalidAdmin(admin);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc ITranscriptRegistry
    function anchor(bytes32 root, uint32 count) external onlyRole(ANCHORER_ROLE) whenNotPaused {
        if (root == bytes32(0)) revert TranscriptRegistryInvalidRoot(root);
        if (count == 0) revert TranscriptRegistryInvalidLeafCount(root, count);
        uint64 previous = _anchoredAt[root];
        if (previous != 0) revert TranscriptRegistryRootAlreadyAnchored(root, previous);
        _anchoredAt[root] = uint64(block.timestamp);
        emit RootAnchored(root, count, _msgSender());
    }

    /// @inheritdoc ITranscriptRegistry
    function revoke(bytes32 leaf, bytes32 reason) external onlyRole(REVOKER_ROLE) {
        _revoke(leaf, reason);
    }

    /// @inheritdoc ITranscriptRegistry
    function revokeBatch(bytes32[] calldata leaves, bytes32 reason) external onlyRole(REVOKER_ROLE) {
        if (leaves.length == 0) revert TranscriptRegistryEmptyRevocationBatch();
        for (uint256 i = 0; i < leaves.length; ++i) {
            _revoke(leaves[i], reason);
        }
    }

    /// @inheritdoc ITranscriptRegistry
    function anchoredAt(bytes32 root) external view returns (uint64) {
        return _anchoredAt[root];
    }

    /// @inheritdoc ITranscriptRegistry
    function revokedAt(bytes32 leaf) external view returns (uint64) {
        return _revokedAt[leaf];
    }

    /// @inheritdoc ITranscriptRegistry
    function verify(bytes32[] calldata proof, bytes32 root, bytes32 leaf) external view returns (bool) {
        if (_anchoredAt[root] == 0) return false;
        if (_revokedAt[leaf] != 0) return false;
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /// @inheritdoc ITranscriptRegistry
    function addIssuerCertificate(bytes32 issuerCode, bytes32 certFingerprint) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (issuerCode == bytes32(0) || certFingerprint == bytes32(0)) {
            revert TranscriptRegistryInvalidIssuerCertificate(issuerCode, certFingerprint);
        }
        IssuerCertificateInterval[] storage history = _issuerCertificates[issuerCode][certFingerprint];
        uint256 length = history.length;
        if (length != 0) {
            IssuerCertificateInterval storage last = history[length - 1];
            if (last.removedAt == 0) {
                revert TranscriptRegistryIssuerCertificateAlreadyActive(issuerCode, certFingerprint, last.addedAt);
            }
        }
        history.push(IssuerCertificateInterval({addedAt: uint64(block.timestamp), removedAt: 0}));
        emit IssuerCertificateAdded(issuerCode, certFingerprint);
    }

    /// @inheritdoc ITranscriptRegistry
    function removeIssuerCertificate(
        bytes32 issuerCode,
        bytes32 certFingerprint
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        IssuerCertificateInterval[] storage history = _issuerCertificates[issuerCode][certFingerprint];
        uint256 length = history.length;
        if (length == 0 || history[length - 1].removedAt != 0) {
            revert TranscriptRegistryIssuerCertificateNotActive(issuerCode, certFingerprint);
        }
        history[length - 1].removedAt = uint64(block.timestamp);
        emit IssuerCertificateRemoved(issuerCode, certFingerprint);
    }

    /**
     * @inheritdoc ITranscriptRegistry
     * @dev Intervals are in time order and do not overlap, so the latest interval that started at or
     * before `at` is the only one that can contain it. An interval added and removed in the same
     * block is empty.
     */
    function isIssuerCertificate(bytes32 issuerCode, bytes32 certFingerprint, uint64 at) external view returns (bool) {
        IssuerCertificateInterval[] storage history = _issuerCertificates[issuerCode][certFingerprint];
        for (uint256 i = history.length; i > 0; --i) {
            IssuerCertificateInterval storage interval = history[i - 1];
            if (interval.addedAt <= at) {
                return interval.removedAt == 0 || at < interval.removedAt;
            }
        }
        return false;
    }

    /// @inheritdoc ITranscriptRegistry
    function issuerCertificateHistory(
        bytes32 issuerCode,
        bytes32 certFingerprint
    ) external view returns (IssuerCertificateInterval[] memory) {
        return _issuerCertificates[issuerCode][certFingerprint];
    }

    /// @inheritdoc ITranscriptRegistry
    function pause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _pause();
    }

    /// @inheritdoc ITranscriptRegistry
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /**
     * @dev Revokes one leaf for {revoke} and {revokeBatch}.
     *
     * Emits a {LeafRevoked} event.
     */
    function _revoke(bytes32 leaf, bytes32 reason) private {
        if (leaf == bytes32(0)) revert TranscriptRegistryInvalidLeaf(leaf);
        uint64 previous = _revokedAt[leaf];
        if (previous != 0) revert TranscriptRegistryLeafAlreadyRevoked(leaf, previous);
        _revokedAt[leaf] = uint64(block.timestamp);
        emit LeafRevoked(leaf, reason, _msgSender());
    }
}
