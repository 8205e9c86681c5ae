/**
 * TranscriptRegistry in tests: a typed view of the ethers Contract (by ABI, as outside tools see
 * it) and the standard cast of accounts — admin (deployer), anchorer, revoker, stranger.
 */
import {
  Contract,
  type BaseContractMethod,
  type ContractTransactionResponse,
  type JsonRpcSigner,
} from "ethers";
import { deployRegistry, type RegistryDeployment } from "../../../service/src/adapters/chain/deploy-registry";
import { compiledRegistryArtifact, type TestChain } from "./chain";

type Tx<A extends unknown[]> = BaseContractMethod<A, void, ContractTransactionResponse>;
type View<A extends unknown[], R> = BaseContractMethod<A, R, R>;

export type Registry = Contract & {
  ANCHORER_ROLE: View<[], string>;
  REVOKER_ROLE: View<[], string>;
  DEFAULT_ADMIN_ROLE: View<[], string>;
  anchor: Tx<[root: string, count: number | bigint]>;
  revoke: Tx<[leaf: string, reason: string]>;
  revokeBatch: Tx<[leaves: string[], reason: string]>;
  anchoredAt: View<[root: string], bigint>;
  revokedAt: View<[leaf: string], bigint>;
  verify: View<[proof: string[], root: string, leaf: string], boolean>;
  addIssuerCertificate: Tx<[issuerCode: string, certFingerprint: string]>;
  removeIssuerCertificate: Tx<[issuerCode: string, certFingerprint: string]>;
  isIssuerCertificate: View<[issuerCode: string, certFingerprint: string, at: number | bigint], boolean>;
  issuerCertificateHistory: View<[issuerCode: string, certFingerprint: string], unknown>;
  pause: Tx<[]>;
  unpause: Tx<[]>;
  paused: View<[], boolean>;
  hasRole: View<[role: string, account: string], boolean>;
  getRoleAdmin: View<[role: string], string>;
  grantRole: Tx<[role: string, account: string]>;
  revokeRole: Tx<[role: string, account: string]>;
  renounceRole: Tx<[role: string, account: string]>;
  supportsInterface: View<[interfaceId: string], boolean>;
};

export interface RegistryCast {
  deployment: RegistryDeployment;
  admin: JsonRpcSigner;
  anchorer: JsonRpcSigner;
  revoker: JsonRpcSigner;
  stranger: JsonRpcSigner;
  /** The registry as seen by `signer` (default: the admin). */
  as(signer?: JsonRpcSigner): Registry;
}

/** Deploys the registry with accounts[0] as admin, accounts[1] anchorer, accounts[2] revoker. */
export async function deployCast(chain: TestChain): Promise<RegistryCast> {
  const [admin, anchorer, revoker, stranger] = chain.accounts;
  if (!admin || !anchorer || !revoker || !stranger) throw new Error("the test chain needs 4 accounts");
  const artifact = compiledRegistryArtifact();
  const deployment = await deployRegistry(admin, {
    anchorers: [anchorer.address],
    revokers: [revoker.address],
    artifact,
  });
  return {
    deployment,
    admin,
    anchorer,
    revoker,
    stranger,
    as: (signer = admin) => new Contract(deployment.address, artifact.abi as never[], signer) as Registry,
  };
}
