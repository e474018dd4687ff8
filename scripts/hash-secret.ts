// Prints the scrypt hash of an OAuth client secret for API_CLIENTS:
//   node dist/scripts/hash-secret.js <secret>
import { hashSecret } from '../api/auth';

const secret = process.argv[2];
if (!secret) {
  console.error('usage: hash-secret <secret>');
  process.exit(2);
}
hashSecret(secret).then((hash) => console.log(hash), (err: Error) => {
  console.error(err.message);
  process.exit(1);
});
