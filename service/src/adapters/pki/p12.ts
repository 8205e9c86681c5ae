/**
 * Writes a `.p12` the way OpenSSL 3 does by default: the key shrouded and the certificates
 * encrypted with PBES2 (PBKDF2/HMAC-SHA-256, AES-256-CBC), the whole file authenticated with an
 * HMAC-SHA-256 MAC. node-forge's own writer only knows RSA keys and a SHA-1 MAC, so the
 * structure (RFC 7292) is assembled here from forge's ASN.1 and PBE primitives; the bytes of the
 * key and certificates are carried over untouched.
 */
import { createHash } from "node:crypto";
import forge from "node-forge";

export interface P12Contents {
  /** PKCS#8 PrivateKeyInfo, DER (RSA or EC). */
  privateKeyPkcs8: Uint8Array;
  /** DER certificates: the key's certificate first, then its chain. */
  certificates: Uint8Array[];
  /** Any Unicode text: as OpenSSL, PBES2 takes its UTF-8 bytes and the MAC its BMPString. */
  password: string;
  /** Shown by key stores when the file is imported. */
  friendlyName?: string;
}

const ITERATIONS = 2048;
const { asn1 } = forge;
const { Class, Type } = asn1;

/**
 * Encodes a password-protected PKCS#12 file (OpenSSL 3 default algorithms).
 * @example
 * writeFileSync("school.p12", writeP12({ privateKeyPkcs8, certificates: [cert, intermediate], password: "demo" }));
 */
export function writeP12(contents: P12Contents): Uint8Array {
  const [first] = contents.certificates;
  const attributes = bagAttributes(
    first === undefined ? undefined : createHash("sha1").update(first).digest("binary"),
    contents.friendlyName,
  );
  const certBags = contents.certificates.map((der, index) =>
    sequence([
      oid(forge.pki.oids.certBag!),
      explicit0(sequence([oid(forge.pki.oids.x509Certificate!), explicit0(octets(binary(der)))])),
      ...(index === 0 && attributes ? [attributes] : []),
    ]),
  );
  const utf8Password = forge.util.encodeUtf8(contents.password); // forge's PBKDF2 takes a byte string
  const keyInfo = asn1.fromDer(forge.util.createBuffer(binary(contents.privateKeyPkcs8)));
  const keyBag = sequence([
    oid(forge.pki.oids.pkcs8ShroudedKeyBag!),
    explicit0(encrypt(keyInfo, utf8Password)),
    ...(attributes ? [attributes] : []),
  ]);

  const authenticatedSafe = sequence([
    encryptedData(sequence(certBags), utf8Password),
    data(sequence([keyBag])),
  ]);
  const safeDer = asn1.toDer(authenticatedSafe).getBytes();
  const pfx = sequence([integer(3), data(authenticatedSafe), macData(safeDer, contents.password)]);
  return new Uint8Array(Buffer.from(asn1.toDer(pfx).getBytes(), "binary"));
}

/** EncryptedPrivateKeyInfo-shaped {algorithm, ciphertext} of any ASN.1 value, PBES2/AES-256. */
function encrypt(value: forge.asn1.Asn1, password: string): forge.asn1.Asn1 {
  return forge.pki.encryptPrivateKeyInfo(value, password, {
    algorithm: "aes256",
    prfAlgorithm: "sha256",
    count: ITERATIONS,
    saltSize: 8,
  });
}

/** ContentInfo(encryptedData) holding the SafeContents encrypted as in `encrypt`. */
function encryptedData(safeContents: forge.asn1.Asn1, password: string): forge.asn1.Asn1 {
  const [algorithm, ciphertext] = encrypt(safeContents, password).value as forge.asn1.Asn1[];
  return sequence([
    oid(forge.pki.oids.encryptedData!),
    explicit0(
      sequence([
        integer(0),
        sequence([
          oid(forge.pki.oids.data!),
          algorithm!,
          asn1.create(Class.CONTEXT_SPECIFIC, 0, false, ciphertext!.value),
        ]),
      ]),
    ),
  ]);
}

/** MacData: HMAC-SHA-256 keyed by the PKCS#12 KDF (ID 3), as OpenSSL 3 writes it. */
function macData(safeDer: string, password: string): forge.asn1.Asn1 {
  const salt = forge.random.getBytesSync(8);
  const key = forge.pkcs12.generateKey(
    password,
    forge.util.createBuffer(salt),
    3,
    ITERATIONS,
    32,
    forge.md.sha256.create(),
  );
  const hmac = forge.hmac.create();
  hmac.start(forge.md.sha256.create(), key.getBytes());
  hmac.update(safeDer);
  return sequence([
    sequence([
      sequence([oid(forge.pki.oids.sha256!), asn1.create(Class.UNIVERSAL, Type.NULL, false, "")]),
      octets(hmac.digest().getBytes()),
    ]),
    octets(salt),
    integer(ITERATIONS),
  ]);
}

function bagAttributes(
  localKeyId: string | undefined,
  friendlyName: string | undefined,
): forge.asn1.Asn1 | undefined {
  const attributes: forge.asn1.Asn1[] = [];
  if (localKeyId !== undefined)
    attributes.push(sequence([oid(forge.pki.oids.localKeyId!), set([octets(localKeyId)])]));
  if (friendlyName !== undefined)
    attributes.push(
      sequence([
        oid(forge.pki.oids.friendlyName!),
        set([asn1.create(Class.UNIVERSAL, Type.BMPSTRING, false, friendlyName)]),
      ]),
    );
  return attributes.length === 0 ? undefined : set(attributes);
}

function data(content: forge.asn1.Asn1): forge.asn1.Asn1 {
  return sequence([oid(forge.pki.oids.data!), explicit0(octets(asn1.toDer(content).getBytes()))]);
}

function sequence(items: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, items);
}

function set(items: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.SET, true, items);
}

function explicit0(item: forge.asn1.Asn1): forge.asn1.Asn1 {
  return asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [item]);
}

function oid(value: string): forge.asn1.Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(value).getBytes());
}

function octets(bytes: string): forge.asn1.Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, bytes);
}

function integer(value: number): forge.asn1.Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.INTEGER, false, asn1.integerToDer(value).getBytes());
}

function binary(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("binary");
}
